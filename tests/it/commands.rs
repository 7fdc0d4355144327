//! The slash commands as the bot registers them with Discord: names, options,
//! permissions and contexts, each described in the README.

use serde_json::json;
use testkit::bot::Bot;
use testkit::local_discord::payloads::MANAGE_GUILD;

use crate::util::{checkout, repo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registered_commands_are_the_ones_the_readme_documents() {
    let bot = Bot::start(&checkout()).await;
    let put = bot.registration();
    assert!(
        put.path.contains("/guilds/"),
        "with guild_ids set, commands register in those guilds: {}",
        put.path
    );
    let commands = put.body.as_array().unwrap();
    let names: Vec<&str> = commands
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "ask",
            "Ask attache",
            "source",
            "sources",
            "timeline",
            "help",
            "unanswered",
            "feedback",
            "reindex",
            "rollback"
        ]
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    // Slash commands by their description; the message menu entry has none, and is
    // checked by name below.
    for c in commands.iter().filter(|c| c["type"] != 3) {
        let description = c["description"].as_str().unwrap();
        assert!(
            readme.contains(description),
            "README does not document /{}: {description}",
            c["name"]
        );
    }
    let by_name = |n: &str| commands.iter().find(|c| c["name"] == n).unwrap();
    // The message menu entry: a message command, named in three languages.
    let menu = by_name("Ask attache");
    assert_eq!(menu["type"], 3, "{menu}");
    assert_eq!(
        menu["name_localizations"]["uk"], "Запитати attache",
        "{menu}"
    );
    assert!(
        readme.contains("**Ask attache**"),
        "README documents the menu entry"
    );
    let ask = &by_name("ask")["options"];
    assert_eq!(
        (
            ask[0]["name"].as_str(),
            ask[0]["type"].as_u64(),
            ask[0]["required"].as_bool()
        ),
        (Some("question"), Some(3), Some(true))
    );
    assert_eq!(
        (
            ask[1]["name"].as_str(),
            ask[1]["type"].as_u64(),
            ask[1]["required"].as_bool()
        ),
        (Some("private"), Some(5), Some(false))
    );
    let subs: Vec<&str> = by_name("source")["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(subs, ["show", "add", "refresh", "remove"]);
    for o in by_name("source")["options"].as_array().unwrap() {
        assert!(
            readme.contains(o["description"].as_str().unwrap()),
            "README does not document /source {}",
            o["name"]
        );
    }
    assert_eq!(
        by_name("source")["options"][0]["options"][0]["autocomplete"],
        json!(true)
    );
    let add = &by_name("source")["options"][1]["options"];
    assert_eq!(
        (&add[0]["type"], &add[0]["required"]),
        (&json!(11), &json!(false)),
        "add takes an attachment…"
    );
    assert_eq!(
        (&add[1]["name"], &add[1]["type"], &add[1]["required"]),
        (&json!("url"), &json!(3), &json!(false)),
        "…or a link (exactly one of the two, checked when it runs)"
    );
    let rollback = by_name("rollback");
    assert_eq!(
        rollback["default_member_permissions"],
        json!(MANAGE_GUILD.to_string())
    );
    let reindex = by_name("reindex");
    assert_eq!(
        reindex["default_member_permissions"],
        json!(MANAGE_GUILD.to_string()),
        "hidden from members without Manage Server by default"
    );
    assert_eq!(reindex["contexts"], json!([0]), "offered in servers only");
    let timeline: Vec<(&str, u64)> = by_name("timeline")["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| (o["name"].as_str().unwrap(), o["type"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        timeline,
        [("topic", 4), ("from", 3), ("to", 3), ("private", 5)]
    );
    let topics: Vec<&str> = by_name("timeline")["options"][0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["all", "exchanges", "rounds", "children"]);
    bot.check();
}

/// The invite in the README asks for every permission the bot uses (Attach Files for
/// `/timeline`'s picture, Manage Threads for forum tags), and its integer says the same.
#[test]
fn the_readme_invite_asks_for_the_permissions_the_bot_uses() {
    use serenity::all::Permissions as P;
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let wanted = P::VIEW_CHANNEL
        | P::SEND_MESSAGES
        | P::SEND_MESSAGES_IN_THREADS
        | P::EMBED_LINKS
        | P::ATTACH_FILES
        | P::READ_MESSAGE_HISTORY
        | P::USE_APPLICATION_COMMANDS
        | P::MANAGE_THREADS;
    let integer = wanted.bits().to_string();
    assert!(
        readme.contains(&format!("permissions integer `{integer}`")),
        "README names the integer {integer}"
    );
    assert!(
        readme.contains(&format!("&permissions={integer}")),
        "the invite link asks for {integer}"
    );
    for name in ["**Attach Files**", "**Manage Threads**", "**Embed Links**"] {
        assert!(readme.contains(name), "README lists {name}");
    }
}
