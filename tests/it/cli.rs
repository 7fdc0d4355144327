//! The command line as a user meets it: the JSON contract, batch mode, "nothing found",
//! exit codes, hostile input, and an index that builds and refreshes itself.

use serde_json::Value;
use testkit::project::{stderr, stdout};
use testkit::Project;

use crate::util::checkout;

fn ask_json(project: &Project, question: &str) -> Value {
    let out = project.run(&["ask", "--json", question]);
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap()
}

#[test]
fn a_fresh_clone_answers_with_the_json_contract() {
    let project = Project::new(&checkout());
    assert!(!project.path("index/tantivy").exists());
    let r = ask_json(&project, "How many prisoners will be exchanged?");
    assert!(
        project.path("index/tantivy/CURRENT").exists(),
        "the first ask builds the index"
    );
    assert_eq!(r["question"], "How many prisoners will be exchanged?");
    let answer = &r["answer"];
    assert!(
        answer["text"].as_str().unwrap().contains("1,200"),
        "{answer}"
    );
    let cited = answer["citation"].as_u64().unwrap();
    let passages = r["passages"].as_array().unwrap();
    assert!(!passages.is_empty() && passages.len() <= 3);
    for (i, p) in passages.iter().enumerate() {
        assert_eq!(p["citation"].as_u64(), Some(i as u64 + 1));
        for key in ["id", "text", "snippet"] {
            assert!(p[key].is_string(), "{key} in {p}");
        }
        assert!(p["score"].is_f64());
        assert!(p["section"].is_string() || p["section"].is_null());
        let s = &p["source"];
        assert!(s["id"].is_string() && s["title"].is_string());
        for key in ["publisher", "date", "url"] {
            assert!(s[key].is_string() || s[key].is_null(), "{key} in {s}");
        }
    }
    let cited_passage = &passages[cited as usize - 1];
    assert!(cited_passage["text"]
        .as_str()
        .unwrap()
        .contains("1,200 prisoners of war"));
    assert!(
        cited_passage["snippet"].as_str().unwrap().contains("**"),
        "matched words are bold"
    );
}

#[test]
fn records_are_cited_by_id_with_their_sources_and_flags() {
    let project = Project::new(&checkout());
    let r = ask_json(&project, "How long did round one last?");
    let top = &r["passages"][0];
    assert_eq!(top["source"]["id"], "R1-03");
    assert!(top["source"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert!(top["citations"].as_array().unwrap().len() >= 4);
    assert!(top["flags"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["kind"] == "disputed"));
    assert!(
        r["answer"]["text"].as_str().unwrap().contains("disputed"),
        "the answer says the record is disputed: {}",
        r["answer"]
    );
}

#[test]
fn questions_the_corpus_cannot_answer_get_nothing_found() {
    let project = Project::new(&checkout());
    let r = ask_json(&project, "What is the weather in Tokyo?");
    assert!(r["answer"].is_null());
    assert_eq!(r["passages"].as_array().unwrap().len(), 0);
    assert!(
        r["not_found"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w == "tokyo"),
        "{r}"
    );
    let text = project.run(&["ask", "Best pizza toppings"]);
    assert!(text.status.success());
    assert!(
        stdout(&text).contains("Nothing in the sources answers"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn batch_mode_answers_one_line_per_question_in_order() {
    let project = Project::new(&checkout());
    let out = project.run_with_input(
        &["ask", "--json"],
        "Who is Medinsky?\n\nWhere in Istanbul were the talks?\nWhat is the weather in Tokyo?\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["question"], "Who is Medinsky?");
    assert!(lines[1]["error"].as_str().unwrap().contains("empty"));
    assert!(
        lines[2]["answer"]["text"]
            .as_str()
            .unwrap()
            .contains("Ciragan"),
        "{}",
        lines[2]
    );
    assert!(lines[3]["answer"].is_null());
}

#[test]
fn typos_other_spellings_and_numbers_still_find_the_passage() {
    let project = Project::new(&checkout());
    let r = ask_json(&project, "How many prisonners will be swaped?");
    assert!(
        r["answer"]["text"].as_str().unwrap().contains("1,200"),
        "{r}"
    );
    assert!(r["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["from"] == "prisonners" && c["to"] == "prisoners"));
    let r = ask_json(&project, "What did Kislitsa say?");
    assert!(
        r["passages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["text"].as_str().unwrap().contains("Kyslyts")),
        "{r}"
    );
    let r = ask_json(&project, "1200 prisoners");
    assert!(
        r["passages"][0]["text"].as_str().unwrap().contains("1,200"),
        "{r}"
    );
    let r = ask_json(&project, "Cirağan Palace");
    assert!(
        r["passages"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Ciragan"),
        "{r}"
    );
}

#[test]
fn query_syntax_and_hostile_text_are_just_words() {
    let project = Project::new(&checkout());
    for q in [
        "\"prisoners AND exchange\" OR (NOT *)",
        "title:prisoners^10 ~2 [a TO z]",
        "\u{202e}ceasefire\u{0301}\u{0301}\u{0301} 🕊️",
        "prisoners\u{7}\t\r",
    ] {
        let out = project.run(&["ask", "--json", q]);
        assert!(out.status.success(), "{q:?}: {}", stderr(&out));
        let r: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(r["question"], q);
        assert!(
            !r["passages"].as_array().unwrap().is_empty(),
            "{q:?} still finds passages: {r}"
        );
    }
    // A NUL byte cannot be an argument, but it can arrive on standard input.
    let out = project.run_with_input(&["ask", "--json"], "prisoners\0exchange\n");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).lines().count(), 1);
}

#[test]
fn usage_and_configuration_errors_exit_with_2_and_one_clear_sentence() {
    let project = Project::new(&checkout());
    let none = project.run(&[]);
    assert_eq!(none.status.code(), Some(2));
    let empty = project.run(&["ask", "   "]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(stderr(&empty).contains("empty"), "{}", stderr(&empty));
    let long = "why ".repeat(2000);
    let too_long = project.run(&["ask", &long]);
    assert_eq!(too_long.status.code(), Some(2));
    assert!(
        stderr(&too_long).contains("too long"),
        "{}",
        stderr(&too_long)
    );
    let top = project.run(&["ask", "--top", "0", "prisoners"]);
    assert_eq!(top.status.code(), Some(2));
    let bad = project
        .attache(&["ask", "prisoners"])
        .env("ATTACHE__SEARCH__TOP_K", "lots")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("search.top_k"), "{}", stderr(&bad));
    std::fs::write(project.path("config/local.toml"), "[serach]\ntop_k = 3\n").unwrap();
    let unknown = project.run(&["ask", "prisoners"]);
    assert_eq!(unknown.status.code(), Some(2));
    let err = stderr(&unknown);
    assert!(
        err.contains("serach") && err.contains("local.toml"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

#[test]
fn index_and_sources_report_what_was_built() {
    let project = Project::new(&checkout());
    let out = project.run(&["index"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(
        summary.starts_with("Indexed 89 sources, 99 passages"),
        "{summary}"
    );
    let sources = project.run(&["sources", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&sources)).unwrap();
    let list = v["sources"].as_array().unwrap();
    assert_eq!(list.len(), 89);
    let article = list
        .iter()
        .find(|s| s["id"] == "istanbul-talks-2025-07-23")
        .unwrap();
    assert_eq!(article["passages"], 11);
}

#[test]
fn an_edited_source_is_indexed_before_the_next_answer() {
    let project = Project::new(&checkout());
    assert!(project.run(&["index"]).status.success());
    std::fs::write(
        project.path("index/sources/records/99-new.toml"),
        "[[records]]\nid = \"NEW-1\"\ntitle = \"A quokka delegation\"\ndate = \"1 Jan 2026\"\nbody = \"A delegation of quokkas visited the talks.\"\n",
    )
    .unwrap();
    let r = ask_json(&project, "Which quokkas visited?");
    assert_eq!(r["passages"][0]["source"]["id"], "NEW-1", "{r}");
    assert_eq!(r["generation"], 2);
}

#[test]
fn the_three_outcomes_are_in_the_json_and_only_the_typed_answer_is_bold() {
    let project = Project::new(&checkout());
    // A time of day is asked: the hour is bold, not the day's date.
    let r = ask_json(&project, "What time was the July session set for?");
    assert_eq!(r["outcome"], "answer", "{r}");
    let text = r["answer"]["text"].as_str().unwrap();
    let span = r["answer"]["span"].as_array().expect("a span");
    let (a, b) = (span[0].as_u64().unwrap(), span[1].as_u64().unwrap());
    let bold: String = text
        .chars()
        .skip(a as usize)
        .take((b - a) as usize)
        .collect();
    assert!(
        bold.contains(':'),
        "the bold is a time of day: {bold:?} in {text}"
    );
    // On topic, with the corpus's names, but no source gives it: no answer line, the
    // closest passages.
    let r = ask_json(
        &project,
        "How much does Medinsky earn as a presidential aide?",
    );
    assert_eq!(r["outcome"], "not_exact", "{r}");
    assert!(r["answer"].is_null());
    assert!(!r["passages"].as_array().unwrap().is_empty());
    // Off topic: nothing.
    let r = ask_json(&project, "What is the weather in Tokyo?");
    assert_eq!(r["outcome"], "nothing", "{r}");
    assert!(r["answer"].is_null() && r["passages"].as_array().unwrap().is_empty());
    // The terminal says so in words.
    let out = project.run(&["ask", "How much does Medinsky earn as a presidential aide?"]);
    assert!(
        stdout(&out).contains("The sources don't say exactly; closest passages:"),
        "{}",
        stdout(&out)
    );
}
