//! The storage underneath (no Discord): the same contract on the embedded SQLite file
//! and on a real PostgreSQL server the test starts itself (`testkit::postgres`; under
//! `CI=true` a server that cannot start fails the test, elsewhere it is skipped with a
//! line on stderr). Then what a damaged or missing database does: the bot's features
//! that need it say they are unavailable, and nothing is written over the file.

use std::time::Duration;

use attache::store::{AnswerRecord, Location, Storage, StorageSettings, StoreError, Voted};
use testkit::postgres::Postgres;

fn settings(location: Location, max_votes: u64) -> StorageSettings {
    StorageSettings {
        location,
        keep: Duration::from_secs(90 * 24 * 3600),
        max_votes,
        voter_secret: None,
    }
}

fn record(question: &str, generation: u64, answered: bool) -> AnswerRecord {
    AnswerRecord {
        key: format!("{:016x}", question.len() as u64 * 7919 + generation),
        question: question.into(),
        passages: vec!["istanbul#3".into(), "R3-05".into()],
        generation,
        answered,
    }
}

/// What every storage back end must do, as the bot uses it.
async fn contract(storage: &Storage) {
    storage.open().await.expect("opens");
    let a = record("How many prisoners will be exchanged?", 4, true);
    let b = record("Who won the World Cup?", 5, false);
    storage.remember_answer(&a).await.unwrap();
    storage.remember_answer(&a).await.unwrap(); // the same answer twice: one row
    storage.remember_answer(&b).await.unwrap();

    // One vote per member per answer, changeable, with the note kept on a vote down.
    assert_eq!(
        storage.vote(&a.key, "voter-1", true).await.unwrap(),
        Voted::New
    );
    assert_eq!(
        storage.vote(&a.key, "voter-1", true).await.unwrap(),
        Voted::Same
    );
    assert_eq!(
        storage.vote(&a.key, "voter-1", false).await.unwrap(),
        Voted::Changed
    );
    storage
        .comment(&a.key, "voter-1", "  the date is wrong  ")
        .await
        .unwrap();
    // The box sent again empty keeps the note written before.
    storage.comment(&a.key, "voter-1", "   ").await.unwrap();
    assert_eq!(
        storage.vote(&a.key, "voter-2", true).await.unwrap(),
        Voted::New
    );
    assert_eq!(
        storage.vote(&b.key, "voter-2", false).await.unwrap(),
        Voted::New
    );
    assert_eq!(
        storage
            .vote("ffffffffffffffff", "voter-1", true)
            .await
            .unwrap(),
        Voted::UnknownAnswer,
        "a vote on an answer never stored is refused, not kept loose"
    );

    let f = storage.feedback(10).await.unwrap();
    assert_eq!(f.recent_down.len(), 2, "{f:?}");
    let on_a = f
        .recent_down
        .iter()
        .find(|d| d.question == a.question)
        .unwrap();
    assert_eq!(on_a.comment.as_deref(), Some("the date is wrong"));
    assert_eq!(on_a.generation, 4);
    assert_eq!(on_a.passages, "istanbul#3 R3-05");
    let tally = f
        .most_down
        .iter()
        .find(|t| t.question == a.question)
        .unwrap();
    assert_eq!((tally.down, tally.up), (1, 1));
    let shares: Vec<(u64, u64, u64)> = f
        .by_generation
        .iter()
        .map(|g| (g.generation, g.up, g.votes))
        .collect();
    assert_eq!(
        shares,
        vec![(5, 0, 1), (4, 1, 2)],
        "newest generation first"
    );

    // Turning helpful again drops the note with the vote down.
    storage.vote(&a.key, "voter-1", true).await.unwrap();
    let f = storage.feedback(10).await.unwrap();
    assert!(
        f.recent_down.iter().all(|d| d.question != a.question),
        "{f:?}"
    );

    // /unanswered: the same question typed differently counts once.
    storage.record_gap("Who won the World Cup?").await.unwrap();
    storage.record_gap("who won  the world cup").await.unwrap();
    storage
        .record_gap("What is the GDP of Turkey?")
        .await
        .unwrap();
    let gaps = storage.gaps(10).await.unwrap();
    assert_eq!(gaps[0].question, "who won the world cup");
    assert_eq!(gaps[0].count, 2);
    assert_eq!(gaps.len(), 2);

    // A forum post is claimed once.
    assert!(storage
        .claim_thread(1_300_000_000_000_000_777)
        .await
        .unwrap());
    assert!(!storage
        .claim_thread(1_300_000_000_000_000_777)
        .await
        .unwrap());

    // Long questions come back by key.
    let long = "Why did the delegations meet in Istanbul and not elsewhere? ".repeat(4);
    storage.put_question("abc123", &long).await.unwrap();
    storage.put_question("abc123", &long).await.unwrap();
    assert_eq!(
        storage.question("abc123").await.unwrap().as_deref(),
        Some(long.as_str())
    );
    assert_eq!(storage.question("nope").await.unwrap(), None);

    // Clearing forgets the votes; the answers stay rateable.
    assert_eq!(storage.clear_feedback().await.unwrap(), 3);
    assert!(storage.feedback(10).await.unwrap().by_generation.is_empty());
    assert_eq!(
        storage.vote(&a.key, "voter-3", true).await.unwrap(),
        Voted::New
    );
}

/// At most `max_votes` votes are kept: the newest.
async fn bounded(storage: &Storage) {
    let a = record("How long did the meeting last?", 7, true);
    storage.remember_answer(&a).await.unwrap();
    for i in 0..5 {
        storage
            .vote(&a.key, &format!("v{i}"), i % 2 == 0)
            .await
            .unwrap();
    }
    storage.prune().await.unwrap();
    let f = storage.feedback(10).await.unwrap();
    let kept: u64 = f.by_generation.iter().map(|g| g.votes).sum();
    assert_eq!(kept, 3, "{f:?}");
    // Within one second the newest are the last in (time, answer, voter) order, so of
    // this answer's votes the ones kept are v4 (👍), then v3 (👎), then v2 (👍).
    let here = f.by_generation.iter().find(|g| g.generation == 7).unwrap();
    let expected_up = [0, 1, 1, 2][here.votes as usize];
    assert_eq!(here.up, expected_up, "{f:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_keeps_votes_gaps_threads_and_questions() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/attache.sqlite3");
    let storage = Storage::new(settings(Location::Sqlite(path.clone()), 100_000));
    contract(&storage).await;
    drop(storage);
    // Opened again (a restart): everything is still there, and the schema is not
    // migrated twice.
    let again = Storage::new(settings(Location::Sqlite(path), 3));
    assert_eq!(again.gaps(10).await.unwrap()[0].count, 2);
    assert!(!again.claim_thread(1_300_000_000_000_000_777).await.unwrap());
    bounded(&again).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_keeps_votes_gaps_threads_and_questions() {
    let Some(pg) = Postgres::start() else { return };
    let url = attache::config::Secret::new(pg.url());
    let storage = Storage::new(settings(Location::Postgres(url.clone()), 100_000));
    contract(&storage).await;
    drop(storage);
    let again = Storage::new(settings(Location::Postgres(url), 3));
    assert_eq!(again.gaps(10).await.unwrap()[0].count, 2);
    bounded(&again).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_migrating_one_postgresql_at_once_both_work() {
    let Some(pg) = Postgres::start() else { return };
    let url = attache::config::Secret::new(pg.url());
    let one = Storage::new(settings(Location::Postgres(url.clone()), 100));
    let two = Storage::new(settings(Location::Postgres(url), 100));
    let (a, b) = tokio::join!(one.open(), two.open());
    a.expect("the first opens");
    b.expect("the second opens");
    assert!(one.claim_thread(42).await.unwrap());
    assert!(
        !two.claim_thread(42).await.unwrap(),
        "one database, seen by both"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_file_is_reported_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attache.sqlite3");
    let garbage = b"this is not an SQLite database, but someone's data all the same\n".repeat(100);
    std::fs::write(&path, &garbage).unwrap();
    let storage = Storage::new(settings(Location::Sqlite(path.clone()), 100));
    let Err(StoreError::Unavailable(why)) = storage.open().await else {
        panic!("a damaged file must not open")
    };
    assert!(
        why.contains("attache.sqlite3") && why.contains("not a database"),
        "{why}"
    );
    assert!(matches!(
        storage.gaps(5).await,
        Err(StoreError::Unavailable(_))
    ));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        garbage,
        "nothing written over it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_that_goes_away_and_comes_back_is_used_again() {
    let Some(mut pg) = Postgres::start() else {
        return;
    };
    let url = attache::config::Secret::new(pg.url());
    let storage = Storage::new(settings(Location::Postgres(url), 100));
    assert!(storage.claim_thread(1).await.unwrap());
    pg.stop();
    assert!(matches!(
        storage.claim_thread(2).await,
        Err(StoreError::Unavailable(_))
    ));
    pg.restart();
    // Reconnection is retried after a short pause, not on every call.
    tokio::time::sleep(attache::store::RETRY + Duration::from_millis(200)).await;
    assert!(storage.claim_thread(3).await.unwrap(), "working again");
    assert!(
        !storage.claim_thread(1).await.unwrap(),
        "and nothing was lost"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_damaged_inside_is_reported_and_left_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("attache.sqlite3");
    {
        let storage = Storage::new(settings(Location::Sqlite(path.clone()), 100));
        for i in 0..300 {
            storage
                .record_gap(&format!("question number {i} {}", "padding ".repeat(20)))
                .await
                .unwrap();
        }
    }
    // Fold the write-ahead log in, then spoil pages in the middle of the file.
    let db = rusqlite::Connection::open(&path).unwrap();
    db.pragma_update(None, "wal_checkpoint", "TRUNCATE")
        .unwrap();
    db.pragma_update(None, "journal_mode", "DELETE").unwrap();
    drop(db);
    let mut bytes = std::fs::read(&path).unwrap();
    assert!(bytes.len() > 5 * 4096, "{}", bytes.len());
    for b in &mut bytes[2 * 4096..4 * 4096] {
        *b = 0x5a;
    }
    std::fs::write(&path, &bytes).unwrap();
    let storage = Storage::new(settings(Location::Sqlite(path.clone()), 100));
    let Err(StoreError::Unavailable(why)) = storage.open().await else {
        panic!("a damaged file must not open")
    };
    assert!(why.contains("attache.sqlite3"), "{why}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "nothing written over it"
    );
}
