//! The local Discord against serenity's own HTTP client and model: the payloads it builds
//! parse, its answers deserialize, its state follows the bot's requests, and those requests
//! pass Discord's OpenAPI description.

use std::path::PathBuf;

use serde_json::{json, Value};
use serenity::all::{
    ButtonStyle, ChannelId, ChannelType, CreateActionRow, CreateAllowedMentions, CreateButton,
    CreateEmbed, CreateInputText, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, CreateModal, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption, EditInteractionResponse, EditThread, ForumTagId,
    GuildChannel, InputTextStyle, Interaction, Message, MessageId,
};
use serenity::builder::Builder as _;
use serenity::http::{Http, HttpBuilder, HttpError};

use super::payloads::{self, Who, ASKER};
use super::{check_event, learn, schema, LocalDiscord, APP_ID, CHANNEL_ID, GUILD_ID, TOKEN};

const FORUM: u64 = 1_300_000_000_000_000_100;
const TAG_OPEN: u64 = 1_300_000_000_000_000_201;
const TAG_DONE: u64 = 1_300_000_000_000_000_202;

/// The repository, whose copy of Discord's OpenAPI description decides.
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// serenity's HTTP client, as the bot configures it for a local Discord.
fn http(discord: &LocalDiscord) -> Http {
    HttpBuilder::new(TOKEN)
        .proxy(discord.rest_url.clone())
        .ratelimiter_disabled(true)
        .application_id(APP_ID.into())
        .build()
}

/// Discord's error code in a failed request.
fn code(e: serenity::Error) -> isize {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => r.error.code,
        other => panic!("not an error answer from Discord: {other}"),
    }
}

fn assert_valid(discord: &LocalDiscord) {
    let problems = schema::problems(&repo(), &discord.requests());
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn a_forum_post_parses_as_serenity_reads_a_thread_and_its_starter_message() {
    let forum = payloads::forum_channel(FORUM, "questions", &[(TAG_OPEN, "open")]);
    let forum: GuildChannel = serde_json::from_value(forum).unwrap();
    assert_eq!(forum.kind, ChannelType::Forum);
    assert_eq!(forum.available_tags.len(), 1);
    assert_eq!(forum.available_tags[0].id, ForumTagId::new(TAG_OPEN));
    assert!(forum.available_tags[0].emoji.is_none());

    let rt = tokio::runtime::Runtime::new().unwrap();
    let discord = rt.block_on(LocalDiscord::start());
    let who = Who::member(ASKER);
    let (thread, starter) = payloads::forum_post(&discord, FORUM, "Title?", "Body.", &who);
    check_event("THREAD_CREATE", &thread);
    check_event("MESSAGE_CREATE", &starter);
    let parsed: GuildChannel = serde_json::from_value(thread.clone()).unwrap();
    assert_eq!(parsed.kind, ChannelType::PublicThread);
    assert_eq!(parsed.parent_id, Some(ChannelId::new(FORUM)));
    assert_eq!(parsed.owner_id.map(|u| u.get()), Some(ASKER));
    assert!(!parsed.thread_metadata.unwrap().archived);
    let message: Message = serde_json::from_value(starter.clone()).unwrap();
    assert_eq!(
        message.id.get(),
        parsed.id.get(),
        "a forum post's starter has its id"
    );
    assert_eq!(message.channel_id, parsed.id);
    assert_eq!(message.content, "Body.");
    let id = parsed.id.get();
    assert_eq!(discord.channel(id), Some(thread));
    assert_eq!(discord.message(id, id), Some(starter.clone()));

    let reply = payloads::reply_to(&discord, "more", &who, &starter);
    check_event("MESSAGE_CREATE", &reply);
    let reply: Message = serde_json::from_value(reply).unwrap();
    assert_eq!(reply.channel_id, parsed.id);
    assert_eq!(reply.referenced_message.unwrap().id, message.id);
}

#[test]
fn a_modal_submission_parses_with_its_fields_in_the_messages_channel() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let discord = rt.block_on(LocalDiscord::start());
    let who = Who::member(ASKER);
    let (thread, starter) = payloads::forum_post(&discord, FORUM, "Title?", "Body.", &who);
    let submit = payloads::modal_submit(
        &discord,
        "answer:1",
        &[("text", "The answer."), ("source", "doc.md")],
        Some(starter),
        &who,
    );
    check_event("INTERACTION_CREATE", &submit);
    let Interaction::Modal(modal) = serde_json::from_value(submit.clone()).unwrap() else {
        panic!("not a modal submission");
    };
    assert_eq!(modal.data.custom_id, "answer:1");
    assert_eq!(modal.channel_id.to_string(), thread["id"].as_str().unwrap());
    assert!(modal.message.is_some());
    let values: Vec<_> = modal
        .data
        .components
        .iter()
        .flat_map(|row| &row.components)
        .map(|c| match c {
            serenity::all::ActionRowComponent::InputText(t) => {
                (t.custom_id.clone(), t.value.clone().unwrap())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        values,
        [
            ("text".to_string(), "The answer.".to_string()),
            ("source".to_string(), "doc.md".to_string())
        ]
    );
    // From a command, with no message: in the guild channel.
    let plain = payloads::modal_submit(&discord, "m", &[("f", "v")], None, &who);
    check_event("INTERACTION_CREATE", &plain);
    assert_eq!(plain["channel_id"], CHANNEL_ID.to_string());
    assert!(plain.get("message").is_none());
}

#[test]
#[should_panic(expected = "bad THREAD_CREATE")]
fn a_thread_serenity_cannot_read_is_refused() {
    let mut thread = payloads::forum_channel(FORUM, "f", &[]);
    thread["type"] = json!(11);
    thread["member_count"] = json!(1000); // serenity holds it in a u8
    check_event("THREAD_CREATE", &thread);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_reads_and_tags_a_thread_and_replies_reads_and_deletes_messages() {
    let discord = LocalDiscord::start().await;
    let http = http(&discord);
    let who = Who::member(ASKER);
    discord.add_channel(payloads::forum_channel(
        FORUM,
        "questions",
        &[(TAG_OPEN, "open"), (TAG_DONE, "done")],
    ));
    let (thread, starter) = payloads::forum_post(&discord, FORUM, "Title?", "Body.", &who);
    let thread_id = ChannelId::new(thread["id"].as_str().unwrap().parse().unwrap());

    // Channels: read, tagged, unknown.
    let read = http.get_channel(thread_id).await.unwrap().guild().unwrap();
    assert_eq!(read.kind, ChannelType::PublicThread);
    let forum = http
        .get_channel(FORUM.into())
        .await
        .unwrap()
        .guild()
        .unwrap();
    assert_eq!(forum.available_tags.len(), 2);
    let tagged = thread_id
        .edit_thread(
            &http,
            EditThread::new().applied_tags([ForumTagId::new(TAG_DONE)]),
        )
        .await
        .unwrap();
    assert_eq!(tagged.applied_tags, [ForumTagId::new(TAG_DONE)]);
    let archived = thread_id
        .edit_thread(&http, EditThread::new().archived(true).locked(true))
        .await
        .unwrap();
    let metadata = archived.thread_metadata.unwrap();
    assert!(metadata.archived && metadata.locked);
    assert_eq!(
        discord.channel(thread_id.get()).unwrap()["applied_tags"],
        json!([TAG_DONE.to_string()])
    );
    let general = http.get_channel(CHANNEL_ID.into()).await.unwrap().guild();
    assert_eq!(general.unwrap().guild_id.get(), GUILD_ID);
    assert_eq!(code(http.get_channel(42.into()).await.unwrap_err()), 10003);
    let untagged = ChannelId::new(42).edit_thread(&http, EditThread::new().locked(false));
    assert_eq!(code(untagged.await.unwrap_err()), 10003);

    // A reply with an embed, buttons and a menu: returned as Discord does, kept.
    let starter: Message = serde_json::from_value(starter).unwrap();
    let rows = vec![
        CreateActionRow::Buttons(vec![
            CreateButton::new("yes").label("Yes"),
            CreateButton::new("no")
                .label("No")
                .style(ButtonStyle::Danger),
        ]),
        CreateActionRow::SelectMenu(CreateSelectMenu::new(
            "pick",
            CreateSelectMenuKind::String {
                options: vec![CreateSelectMenuOption::new("A", "a")],
            },
        )),
    ];
    let sent = thread_id
        .send_message(
            &http,
            CreateMessage::new()
                .content("An answer")
                .embed(CreateEmbed::new().title("T").field("f", "v", false))
                .components(rows)
                .reference_message(&starter)
                .allowed_mentions(CreateAllowedMentions::new()),
        )
        .await
        .unwrap();
    assert_eq!(sent.embeds[0].title.as_deref(), Some("T"));
    assert_eq!(sent.components.len(), 2);
    assert_eq!(sent.referenced_message.as_ref().unwrap().id, starter.id);
    assert_eq!(
        sent.message_reference.as_ref().unwrap().channel_id,
        thread_id
    );
    let again = thread_id.message(&http, sent.id).await.unwrap();
    assert_eq!(again.content, "An answer");
    assert_eq!(discord.messages_in(thread_id.get()).len(), 2);
    assert_eq!(
        discord.channel(thread_id.get()).unwrap()["last_message_id"],
        json!(sent.id.to_string())
    );
    thread_id.delete_message(&http, sent.id).await.unwrap();
    assert!(discord.message(thread_id.get(), sent.id.get()).is_none());
    assert_eq!(
        code(thread_id.message(&http, sent.id).await.unwrap_err()),
        10008
    );
    let gone = thread_id.delete_message(&http, MessageId::new(7)).await;
    assert_eq!(code(gone.unwrap_err()), 10008);
    // The member's own starter message, too.
    thread_id.delete_message(&http, starter.id).await.unwrap();
    assert!(discord.message(thread_id.get(), starter.id.get()).is_none());

    assert_valid(&discord);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interaction_responses_modals_and_follow_ups_become_messages_where_asked() {
    let discord = LocalDiscord::start().await;
    let http = http(&discord);
    let who = Who::member(ASKER);
    let (thread, starter) = payloads::forum_post(&discord, FORUM, "Title?", "Body.", &who);
    let thread_id: u64 = thread["id"].as_str().unwrap().parse().unwrap();

    // A button under the starter message opens a modal: nothing refuses it.
    let click = payloads::click(&discord, "answer", starter.clone(), &who);
    learn(&discord.shared, "INTERACTION_CREATE", &click);
    let Interaction::Component(click) = serde_json::from_value(click).unwrap() else {
        panic!("not a click");
    };
    assert_eq!(click.channel_id.get(), thread_id);
    let modal = CreateInteractionResponse::Modal(
        CreateModal::new("answer:1", "Answer the question").components(vec![
            CreateActionRow::InputText(
                CreateInputText::new(InputTextStyle::Paragraph, "Answer", "text")
                    .placeholder("What the documents say")
                    .max_length(4000),
            ),
        ]),
    );
    modal
        .execute(&http, (click.id, &click.token))
        .await
        .unwrap();

    // The submission is answered in the thread, then edited, then followed up.
    let submit =
        payloads::modal_submit(&discord, "answer:1", &[("text", "42")], Some(starter), &who);
    learn(&discord.shared, "INTERACTION_CREATE", &submit);
    let Interaction::Modal(submit) = serde_json::from_value(submit).unwrap() else {
        panic!("not a modal submission");
    };
    CreateInteractionResponse::Message(
        CreateInteractionResponseMessage::new()
            .content("Saved")
            .allowed_mentions(CreateAllowedMentions::new()),
    )
    .execute(&http, (submit.id, &submit.token))
    .await
    .unwrap();
    let original = http
        .get_original_interaction_response(&submit.token)
        .await
        .unwrap();
    assert_eq!(original.channel_id.get(), thread_id);
    assert_eq!(original.content, "Saved");
    let edited = http
        .edit_original_interaction_response(
            &submit.token,
            &EditInteractionResponse::new().content("Saved, and tagged"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(edited.id, original.id, "the same message, edited");
    assert!(edited.edited_timestamp.is_some());
    let followup = http
        .create_followup_message(
            &submit.token,
            &CreateInteractionResponseFollowup::new()
                .content("Also this")
                .ephemeral(true),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(followup.channel_id.get(), thread_id);
    http.delete_followup_message(&submit.token, followup.id)
        .await
        .unwrap();
    assert_eq!(
        discord.messages_in(thread_id).len(),
        2,
        "the starter and the reply"
    );

    // A deferral's "thinking…" becomes the reply.
    let slash = payloads::slash(&discord, "ask", &[("question", 3, json!("q"))], &who);
    learn(&discord.shared, "INTERACTION_CREATE", &slash);
    let Interaction::Command(slash) = serde_json::from_value(slash).unwrap() else {
        panic!("not a command");
    };
    CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new())
        .execute(&http, (slash.id, &slash.token))
        .await
        .unwrap();
    let thinking = http
        .get_original_interaction_response(&slash.token)
        .await
        .unwrap();
    assert_eq!(thinking.channel_id.get(), CHANNEL_ID);
    let done = http
        .edit_original_interaction_response(
            &slash.token,
            &EditInteractionResponse::new().embed(CreateEmbed::new().description("Done")),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(done.id, thinking.id);
    assert_eq!(done.embeds[0].description.as_deref(), Some("Done"));
    assert!(
        done.flags.is_none_or(|f| f.bits() & (1 << 7) == 0),
        "no longer loading"
    );

    assert_valid(&discord);
}

#[test]
fn patching_a_channel_is_checked_against_the_kind_of_channel_it_updates() {
    let patch = |body: Value| super::Request {
        method: "PATCH".into(),
        path: "/channels/1".into(),
        body,
        authorization: None,
        status: 200,
        at: std::time::Instant::now(),
        files: None,
    };
    let tags = |n: usize| json!({ "applied_tags": vec!["1"; n] });
    assert!(schema::problems(&repo(), &[patch(tags(5))]).is_empty());
    assert!(schema::problems(
        &repo(),
        &[patch(json!({ "archived": true, "locked": true }))]
    )
    .is_empty());
    assert!(schema::problems(&repo(), &[patch(json!({ "name": "n", "topic": "t" }))]).is_empty());
    assert!(
        !schema::problems(&repo(), &[patch(tags(6))]).is_empty(),
        "six tags"
    );
    assert!(!schema::problems(&repo(), &[patch(json!({ "applied_tags": [1.5] }))]).is_empty());
    assert!(!schema::problems(&repo(), &[patch(json!({ "tags": ["1"] }))]).is_empty());
    // And the paths the bot reads and deletes by are Discord's.
    let read = super::Request {
        method: "DELETE".into(),
        path: "/channels/1/messages/2".into(),
        body: Value::Null,
        ..patch(Value::Null)
    };
    let original = super::Request {
        method: "GET".into(),
        path: "/webhooks/1/tok/messages/@original".into(),
        ..read.clone()
    };
    assert!(schema::problems(&repo(), &[read, original]).is_empty());
}
