//! How answers, source lists and evaluation reports look in a terminal: plain text, the
//! answer and matched words in ANSI bold when standard output is a terminal.

use std::io::{self, Write};

use crate::core::eval::{Report, Summary};
use crate::core::index::OpenIndex;
use crate::core::lang::Lang;
use crate::core::reader::Outcome;
use crate::core::search::Response;
use crate::core::snippet::Snippet;
use crate::render::words;

/// A passage's snippet for a terminal: the matched words in ANSI bold (or plain).
fn terminal_snippet(text: &str, snippet: &Snippet, ansi: bool) -> String {
    let mut out = String::with_capacity(snippet.shown.len() + 16);
    if snippet.cut_before() {
        out.push('…');
    }
    for run in snippet.runs(text) {
        if run.matched && ansi {
            out.push_str(&format!("\x1b[1m{}\x1b[0m", run.text));
        } else {
            out.push_str(run.text);
        }
    }
    if snippet.cut_after(text) {
        out.push('…');
    }
    out
}

/// An answer for a terminal, attache's own words in the question's language.
pub fn response(out: &mut dyn Write, r: &Response, ansi: bool) -> io::Result<()> {
    let w = words::of(r.language);
    if r.passages.is_empty() {
        if r.language == Lang::En {
            writeln!(
                out,
                "Nothing in the sources answers “{}”.",
                r.question.trim()
            )?;
            if !r.not_found.is_empty() {
                writeln!(out, "Not found in any source: {}.", r.not_found.join(", "))?;
            }
        } else {
            writeln!(
                out,
                "{}: “{}”. {}",
                w.nothing_found_title,
                r.question.trim(),
                w.nothing_found
            )?;
        }
        writeln!(out, "{}", w.try_other_words_cli)?;
        return Ok(());
    }
    if !r.corrections.is_empty() {
        let fixes: Vec<String> = r
            .corrections
            .iter()
            .map(|c| format!("{} → {}", c.from, c.to))
            .collect();
        if r.language == Lang::En {
            writeln!(out, "(read as: {})", fixes.join(", "))?;
        } else {
            let fixed = words::fill(w.read_as, &[("fixes", &fixes.join(", "))]);
            writeln!(out, "({fixed})")?;
        }
    }
    // The same order as in Discord: the answer, its caveat, the citations, then the
    // passages.
    match &r.answer {
        Some(a) => {
            // The answer itself in bold on a terminal.
            let text = match words::span_parts(&a.text, a.span) {
                Some((before, answer, after)) if ansi => {
                    format!("{before}\x1b[1m{answer}\x1b[0m{after}")
                }
                _ => a.text.clone(),
            };
            writeln!(out, "{}: {} [{}]", w.answer_label, text, a.citation)?;
            if let Some(caveat) = words::caveat(r.language, &a.caveats) {
                writeln!(out, "{caveat}")?;
            }
        }
        None if r.outcome == Outcome::NotExact => writeln!(out, "{}", w.not_exact)?,
        None => writeln!(out, "{}", w.more_passages)?,
    }
    if !w.quoted_in_english.is_empty() {
        writeln!(out, "({})", w.quoted_in_english)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", w.citations)?;
    for p in &r.passages {
        let s = &p.source;
        let mut line = format!("[{}] {} — {}", p.citation, p.id, s.title);
        for part in [s.publisher.as_deref(), s.date.as_deref(), s.url.as_deref()]
            .into_iter()
            .flatten()
        {
            line.push_str(", ");
            line.push_str(part);
        }
        if let Some(credit) = &p.credit {
            line.push_str(&format!(" ({}: {credit})", w.photo.to_lowercase()));
        }
        let flags = words::caveats(r.language, &p.flags);
        if !flags.is_empty() {
            line.push_str(&format!(" [{}]", flags.join("; ")));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(out)?;
    for p in &r.passages {
        let heading = p.section.as_deref().unwrap_or(&p.source.title);
        writeln!(out, "[{}] {}", p.citation, heading)?;
        writeln!(out, "    {}", terminal_snippet(&p.text, &p.snippet, ansi))?;
    }
    if r.more == 1 && r.language == Lang::En {
        writeln!(out, "(1 more relevant passage: use --top)")?;
    } else if r.more > 0 {
        writeln!(
            out,
            "{}",
            words::fill(w.more_relevant, &[("n", &r.more.to_string())])
        )?;
    }
    Ok(())
}

pub fn explain(out: &mut dyn Write, r: &Response) -> io::Result<()> {
    writeln!(out, "\nquestion type: {:?}", r.question_type)?;
    for line in &r.understood {
        writeln!(out, "  concept {line}")?;
    }
    writeln!(
        out,
        "{:>3} {:28} {:>6} {:>6} {:>6} {:>6} {:>5} {:>5} {:>6} {:>6} {:>6}",
        "#", "passage", "bm25", "cover", "title", "prox", "evid", "wght", "cosine", "near", "score"
    )?;
    for p in &r.passages {
        let f = &p.features;
        writeln!(
            out,
            "{:>3} {:28} {:6.3} {:6.3} {:6.3} {:6.3} {:5.2} {:5.2} {:6.3} {:6.3} {:6.3}",
            p.citation,
            p.id,
            f.bm25,
            f.coverage,
            f.title_coverage,
            f.proximity,
            f.evidence,
            f.weight,
            f.semantic,
            f.semantic_rel * f.semantic_share,
            p.score
        )?;
    }
    writeln!(
        out,
        "(cosine: closeness in meaning of the passage's closest sentence; near: how much of the\n semantic weight it earned, after the discount for a question already covered word for word)"
    )?;
    Ok(())
}

pub fn sources(out: &mut dyn Write, index: &OpenIndex, json: bool) -> io::Result<()> {
    if json {
        let list: Vec<serde_json::Value> = index
            .catalog
            .iter()
            .map(|s| serde_json::json!({ "id": s.id, "kind": s.kind, "title": s.title, "file": s.file, "passages": index.passage_count(&s.id) }))
            .collect();
        serde_json::to_writer_pretty(
            &mut *out,
            &serde_json::json!({ "generation": index.manifest.generation, "built_at": index.manifest.built_at, "sources": list }),
        )?;
        return writeln!(out);
    }
    let m = &index.manifest;
    writeln!(
        out,
        "{} sources, {} passages (generation {}, built {})",
        m.sources, m.passages, m.generation, m.built_at
    )?;
    let width = index.catalog.iter().map(|s| s.id.len()).max().unwrap_or(2);
    for s in &index.catalog {
        writeln!(
            out,
            "{:width$}  {:>3}  {}",
            s.id,
            index.passage_count(&s.id),
            s.title
        )?;
    }
    Ok(())
}

pub fn eval(out: &mut dyn Write, r: &Report, verbose: bool) -> io::Result<()> {
    for c in &r.results {
        if verbose || !c.passed() || c.span_ok == Some(false) {
            let mark = if !c.passed() {
                "FAIL"
            } else if c.span_ok == Some(false) {
                "BOLD"
            } else {
                "ok  "
            };
            writeln!(out, "{mark} {:6} {}", c.id, c.question)?;
            writeln!(
                out,
                "       {}: {}",
                c.outcome.as_str(),
                c.answer.as_deref().unwrap_or("(no answer line)")
            )?;
            if let Some(bold) = &c.span {
                writeln!(out, "       bold: {bold}")?;
            }
            writeln!(out, "       passages: {}", c.passages.join(", "))?;
        }
    }
    for (kind, s) in &r.by_kind {
        writeln!(out, "  {kind:<13} {}", summary_line(s))?;
    }
    writeln!(out, "{}", summary_line(&r.total))
}

/// One line of figures (`attache eval`): retrieval, the answer line, the bold span, the
/// outcomes, near misses refused.
pub fn summary_line(s: &Summary) -> String {
    format!(
        "cases {:3}  hit@1 {:.3}  hit@3 {:.3}  answer {:.3}  span P {:.3} R {:.3}  answered {:.3}  near-miss refused {:.3}  outcomes {:.2}/{:.2}/{:.2}",
        s.cases,
        s.hit_at_1,
        s.hit_at_3,
        s.answer_accuracy,
        s.span_precision,
        s.span_recall,
        s.answered,
        s.no_answer_accuracy,
        s.outcome_answer,
        s.outcome_not_exact,
        s.outcome_nothing
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_read_cleanly_in_a_terminal() {
        let text = "At least 1,200 prisoners | a_b";
        let snippet = Snippet {
            shown: 0..text.len(),
            matches: vec![9..14],
        };
        assert_eq!(
            terminal_snippet(text, &snippet, false),
            "At least 1,200 prisoners | a_b"
        );
        assert_eq!(
            terminal_snippet(text, &snippet, true),
            "At least \x1b[1m1,200\x1b[0m prisoners | a_b"
        );
    }
}

/// What `attache source add URL` read, before asking whether to add it.
pub fn link_preview(out: &mut dyn Write, p: &crate::app::links::Preview) -> io::Result<()> {
    writeln!(out, "{}", p.title)?;
    let mut about = vec![p.publisher.clone()];
    about.extend(p.date.clone());
    about.extend(p.author.as_ref().map(|a| format!("by {a}")));
    about.extend(p.lang.as_ref().map(|l| format!("language {l}")));
    writeln!(out, "{}", about.join(" · "))?;
    writeln!(out, "{}", p.url)?;
    writeln!(
        out,
        "{} passages (read as {}); it begins:",
        p.passages, p.encoding
    )?;
    for para in &p.opening {
        writeln!(out, "  {para}")?;
    }
    Ok(())
}
