//! Members who ask in Ukrainian or Russian: they find the English passages, and read
//! attache's own words (labels, notes, "nothing found") in their language, through the
//! local Discord and on the command line.

use serde_json::json;
use testkit::bot::Bot;
use testkit::local_discord::payloads::{self, Who};
use testkit::local_discord::{bot_user, BOT_ID};
use testkit::project::stdout;
use testkit::Project;

use crate::util::checkout;

const ASKER: u64 = 1_600_000_000_000_000_101;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ukrainian_and_russian_questions_get_answers_and_attaches_words_in_their_language() {
    // Every member below asks once, but for the one who is refused for asking again.
    let bot = Bot::start_with(&checkout(), &[("ATTACHE__DISCORD__COOLDOWN", "60s")]).await;
    let who = Who::member(ASKER);

    let uk = bot.ask(&who, "Скільки полонених обміняють?").await;
    let text = uk.text();
    assert!(
        text.contains("1,200") || text.contains("1,000"),
        "the English passage about the swap is found: {text}"
    );
    assert!(
        text.contains("Цитати наведено англійською"),
        "the reply says, in Ukrainian, that the quote is in English: {text}"
    );
    let labels: Vec<String> = uk.reply.buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(labels[0], "Показати уривки", "{labels:?}");
    assert!(!text.contains("Show passages"), "{text}");
    // The caveats of the disputed swap figures, in Ukrainian too: see regression.rs.

    // A mention carries no locale: the question's language decides.
    let ru = bot
        .say(
            &Who::member(ASKER + 1),
            &format!("<@{BOT_ID}> Кто возглавлял российскую делегацию?"),
            &[bot_user()],
        )
        .await;
    let text = ru.text();
    assert!(text.contains("Medinsky"), "{text}");
    assert!(text.contains("Цитаты приведены на английском"), "{text}");

    // Nothing found, in Ukrainian.
    let none = bot
        .ask(&Who::member(ASKER + 2), "Яка погода в Токіо завтра?")
        .await;
    assert!(
        none.text().contains("Нічого не знайдено"),
        "{}",
        none.text()
    );

    // An English question from a member whose Discord is in Russian: the quote stays
    // English, attache's words follow the locale.
    let mut slash = payloads::slash(
        &bot.discord,
        "ask",
        &[(
            "question",
            3,
            json!("How many prisoners will be exchanged?"),
        )],
        &Who::member(ASKER + 3),
    );
    slash["locale"] = json!("ru");
    let localized = bot.interact(slash).await;
    let labels: Vec<String> = localized.reply.buttons().into_iter().map(|b| b.0).collect();
    assert!(
        labels.contains(&"Показать отрывки".to_string()),
        "{labels:?}"
    );
    assert!(localized.text().contains("1,200"), "{}", localized.text());

    // Refusals too: a second question inside the cooldown, in Ukrainian.
    let hasty = Who::member(ASKER + 4);
    bot.ask(&hasty, "Хто очолював українську делегацію?").await;
    let again = bot.ask(&hasty, "Хто очолював російську делегацію?").await;
    assert!(
        again.ephemeral() && again.text().contains("Зачекайте"),
        "{}",
        again.text()
    );

    // The commands describe themselves in both languages in Discord's menus.
    let put = bot.registration();
    let mut described = Vec::new();
    for command in put.body.as_array().unwrap() {
        if command["type"] == 3 {
            // The message menu entry has no description, only a name, in all three.
            let names = &command["name_localizations"];
            assert!(
                names["uk"].is_string() && names["ru"].is_string(),
                "{command}"
            );
            continue;
        }
        described.push(command);
        // Subcommands (`/source show|add|remove`) and options are described too.
        for option in command["options"].as_array().into_iter().flatten() {
            described.push(option);
            for sub in option["options"].as_array().into_iter().flatten() {
                described.push(sub);
            }
        }
    }
    for item in described {
        let l = &item["description_localizations"];
        assert!(
            l["uk"]
                .as_str()
                .is_some_and(|d| !d.is_empty() && d.chars().count() <= 100)
                && l["ru"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty() && d.chars().count() <= 100),
            "{} has Ukrainian and Russian descriptions: {l}",
            item["name"]
        );
    }
    bot.check();
}

#[test]
fn the_command_line_answers_in_the_questions_language() {
    let project = Project::new(&checkout());
    let out = project.run(&["ask", "скільки полонених обміняють?"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.starts_with("Відповідь: "), "{text}");
    assert!(text.contains("Цитати наведено англійською"), "{text}");

    let json = project.run(&["ask", "--json", "Кто возглавлял российскую делегацию?"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["language"], "ru");
    assert!(
        v["answer"]["text"].as_str().unwrap().contains("Medinsky"),
        "{v}"
    );
    assert_eq!(
        v["not_found"],
        json!([]),
        "Cyrillic words are not listed as missing from the English sources"
    );
}
