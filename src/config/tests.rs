//! Loading and validating configuration: layers in order, errors that name the key and
//! its layer, secrets never shown.

use super::validate::shards;
use super::*;

fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_load_and_paths_resolve_against_the_project() {
    let root = tempfile::tempdir().unwrap();
    let s = Settings::load(&root.path().join("config"), &env(&[])).unwrap();
    assert_eq!(s.search.top_k, 3);
    assert_eq!(s.index.sources, root.path().join("index/sources"));
}

#[test]
fn local_file_and_environment_override_in_order() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("local.toml"),
        "[search]\ntop_k = 5\ncandidates = 50\n",
    )
    .unwrap();
    let s = Settings::load(&dir, &env(&[])).unwrap();
    assert_eq!((s.search.top_k, s.search.candidates), (5, 50));
    let s = Settings::load(&dir, &env(&[("ATTACHE__SEARCH__TOP_K", "7")])).unwrap();
    assert_eq!(s.search.top_k, 7);
}

#[test]
fn unknown_keys_are_named_with_their_origin() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("local.toml"), "[search]\ntopk = 5\n").unwrap();
    let e = Settings::load(&dir, &env(&[])).unwrap_err().to_string();
    assert!(
        e.contains("`search.topk`") && e.contains("local.toml"),
        "{e}"
    );
    std::fs::remove_file(dir.join("local.toml")).unwrap();
    let e = Settings::load(&dir, &env(&[("ATTACHE__SEARCH__TOPK", "5")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("ATTACHE__SEARCH__TOPK"), "{e}");
}

#[test]
fn the_token_comes_from_the_environment_and_never_shows() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    let s = Settings::load(&dir, &env(&[])).unwrap();
    assert!(s.discord.token.is_none());
    let s = Settings::load(&dir, &env(&[("DISCORD_TOKEN", "a.b.c")])).unwrap();
    assert_eq!(s.discord.token.as_ref().map(Secret::expose), Some("a.b.c"));
    assert!(s.discord.token_origin.contains("DISCORD_TOKEN"));
    assert!(
        !format!("{s:?}").contains("a.b.c"),
        "the token leaked into Debug output"
    );
    let s = Settings::load(
        &dir,
        &env(&[
            ("DISCORD_TOKEN", "a.b.c"),
            ("ATTACHE__DISCORD__TOKEN", "x.y.z"),
        ]),
    )
    .unwrap();
    assert_eq!(s.discord.token.as_ref().map(Secret::expose), Some("x.y.z"));
}

#[test]
fn id_lists_come_from_files_and_comma_separated_variables() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("local.toml"), "[discord]\nguild_ids = [11, 12]\n").unwrap();
    let s = Settings::load(
        &dir,
        &env(&[("ATTACHE__DISCORD__MODERATOR_ROLE_IDS", "7,8")]),
    )
    .unwrap();
    assert_eq!(s.discord.guild_ids, vec![11, 12]);
    assert_eq!(s.discord.moderator_role_ids, vec![7, 8]);
    let s = Settings::load(
        &dir,
        &env(&[(
            "ATTACHE__DISCORD__ANSWER_CHANNEL_IDS",
            "1300000000000000001",
        )]),
    )
    .unwrap();
    assert_eq!(
        s.discord.answer_channel_ids,
        vec![1_300_000_000_000_000_001]
    );
    let e = Settings::load(&dir, &env(&[("ATTACHE__DISCORD__COOLDOWN", "soon")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("discord.cooldown"), "{e}");
}

#[test]
fn shard_ranges_are_checked() {
    assert_eq!(shards(0, ""), Ok(Shards::Auto));
    assert_eq!(
        shards(4, ""),
        Ok(Shards::Range {
            first: 0,
            last: 3,
            total: 4
        })
    );
    assert_eq!(
        shards(4, "2-3"),
        Ok(Shards::Range {
            first: 2,
            last: 3,
            total: 4
        })
    );
    assert_eq!(
        shards(4, "1"),
        Ok(Shards::Range {
            first: 1,
            last: 1,
            total: 4
        })
    );
    assert!(
        shards(4, "3-4").is_err()
            && shards(0, "1").is_err()
            && shards(4, "x").is_err()
            && shards(4, "3-1").is_err()
    );
}

#[test]
fn bad_values_are_named_with_their_origin() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    let e = Settings::load(&dir, &env(&[("ATTACHE__SEARCH__MIN_COVERAGE", "3")]))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("search.min_coverage")
            && e.contains("environment")
            && e.contains("between 0 and 1"),
        "{e}"
    );
    let e = Settings::load(&dir, &env(&[("ATTACHE__SEARCH__TOP_K", "many")]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("search.top_k"), "{e}");
}

/// `ATTACHE__DISCORD__FORUM_CHANNEL_IDS=1,2` was refused ("is not a Discord id"): the list
/// keys were a hand-kept list that missed it (issue 20). Every list setting takes a
/// comma-separated variable; a new one fails here until it has a value below.
#[test]
fn every_list_setting_takes_comma_separated_values_from_the_environment() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("config");
    let keys = super::layers::list_keys();
    assert!(keys.contains("discord.forum_channel_ids"), "{keys:?}");
    for key in &keys {
        let value = match key.as_str() {
            "index.fetch_allow" => "127.0.0.1:8080,[::1]:8081",
            k if k.ends_with("_ids") => "1300000000000000001,1300000000000000002",
            other => panic!("a new list setting, {other}: give it two values here"),
        };
        let var = format!("ATTACHE__{}", key.replace('.', "__").to_uppercase());
        let s = Settings::load(&dir, &env(&[(var.as_str(), value)]))
            .unwrap_or_else(|e| panic!("{var}={value}: {e}"));
        let got = match key.as_str() {
            "index.fetch_allow" => s.index.fetch_allow.len(),
            "discord.guild_ids" => s.discord.guild_ids.len(),
            "discord.moderator_role_ids" => s.discord.moderator_role_ids.len(),
            "discord.answer_channel_ids" => s.discord.answer_channel_ids.len(),
            "discord.forum_channel_ids" => s.discord.forum_channel_ids.len(),
            other => panic!("a new list setting, {other}: read it back here"),
        };
        assert_eq!(got, 2, "{var}={value}");
    }
}
