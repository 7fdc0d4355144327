//! The command-line front end: parses flags and dispatches to [`crate::app`] and
//! [`crate::core`]; [`terminal`] draws for a terminal, [`crate::render::json`] for
//! `--json`. `attache serve` hands over to [`crate::app::serve`].
//!
//! Exit codes: 0 success, 2 usage or configuration error, 1 anything else. Errors are
//! one clear sentence on stderr (a list of `path:line: …` lines for bad sources).

mod progress;
pub mod terminal;

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::app;
use crate::config::{ConfigError, Settings};
use crate::core::eval;
use crate::core::search::{AskError, Engine};
use crate::render;

#[derive(Debug, Parser)]
#[command(
    name = "attache",
    version,
    about = "Answers questions from a curated corpus with cited passages."
)]
pub struct Cli {
    /// Folder with default.toml, local.toml, …
    #[arg(
        long,
        global = true,
        env = "ATTACHE_CONFIG_DIR",
        default_value = "config"
    )]
    pub config_dir: PathBuf,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a question. Without QUESTION, answer one question per line of standard input.
    Ask {
        /// The question, in plain words.
        question: Option<String>,
        /// How many passages to show (default: search.top_k).
        #[arg(long, short = 'k')]
        top: Option<usize>,
        /// Print JSON (one object per question).
        #[arg(long)]
        json: bool,
        /// Show why each passage ranked where it did.
        #[arg(long, conflicts_with = "json")]
        explain: bool,
    },
    /// Build a new index generation from the sources (safe while a bot serves the index).
    Index {
        /// Instead, make the generation the current one replaced current again.
        #[arg(long)]
        rollback: bool,
    },
    /// Add a news page by its address, or fetch pages added so again.
    Source {
        #[command(subcommand)]
        action: SourceAction,
    },
    /// List the indexed sources with their passage counts.
    Sources {
        #[arg(long)]
        json: bool,
    },
    /// Connect to Discord and answer there until SIGINT or SIGTERM (see README, "Discord set-up").
    Serve,
    /// Draw the talks as a timeline (PNG) from the dated records of the index.
    Timeline {
        /// Where to write the picture.
        #[arg(long, value_name = "FILE.png", required_unless_present = "explain")]
        out: Option<PathBuf>,
        /// all, exchanges, rounds or children.
        #[arg(long, default_value = "all")]
        topic: String,
        /// From this month or day on: 2025-05, 2025-05-16, "May 2025".
        #[arg(long)]
        from: Option<String>,
        /// Up to this month or day.
        #[arg(long)]
        to: Option<String>,
        /// Captions and legend in en, uk or ru.
        #[arg(long, default_value = "en")]
        lang: String,
        /// List the events drawn, and the records with a kind whose date cannot be read.
        #[arg(long)]
        explain: bool,
    },
    /// Measure answer quality on question files (JSON lines).
    Eval {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
        /// Also list every case, not only the failures.
        #[arg(long, short)]
        verbose: bool,
        /// Write every case's ranked candidates with their ranking features to this file
        /// (JSON lines), for fitting the ranking weights (see tools/fit.py).
        #[arg(long, value_name = "FILE")]
        features: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SourceAction {
    /// Fetch a news page, show what was read, and add it as a document (then reindex).
    Add {
        /// The page's address (http or https).
        url: String,
        /// Add without asking.
        #[arg(long)]
        yes: bool,
    },
    /// Fetch a page added from a link again; reindex only if its text changed.
    Refresh {
        /// The source's id; without it, every page added from a link.
        id: Option<String>,
    },
}

/// A usage problem found after parsing (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let env: HashMap<String, String> = std::env::vars().collect();
    let settings = match Settings::load(&cli.config_dir, &env) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Refused before anything runs the embedding engine, which would die of SIGILL.
    #[cfg(feature = "semantic")]
    if settings.semantic.enabled {
        if let Err(why) = crate::core::embed::check_cpu() {
            eprintln!("error: {why}");
            return ExitCode::from(1);
        }
    }
    let default_level = if matches!(cli.command, Command::Serve) {
        "info"
    } else {
        "warn"
    };
    init_tracing(if settings.log_level.trim().is_empty() {
        default_level
    } else {
        &settings.log_level
    });
    match run(cli.command, &settings, &cli.config_dir) {
        Ok(code) => code,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            if e.downcast_ref::<Usage>().is_some()
                || e.downcast_ref::<ConfigError>().is_some()
                || e.downcast_ref::<app::serve::Misconfigured>().is_some()
            {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// `attache sources | head` closes the pipe early; that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn engine(settings: &Settings) -> anyhow::Result<Engine> {
    Ok(app::open_engine(settings, &progress::Bar::new())?)
}

fn run(
    command: Command,
    settings: &Settings,
    config_dir: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    match command {
        Command::Ask {
            question,
            top,
            json,
            explain,
        } => {
            let top = top.unwrap_or(settings.search.top_k);
            if top == 0 || top > 25 {
                return Err(Usage(format!("--top must be between 1 and 25 (got {top})")).into());
            }
            let engine = engine(settings)?;
            match question {
                Some(q) => ask_one(&engine, &q, top, json, explain),
                None => ask_batch(&engine, top, json),
            }
        }
        Command::Index { rollback: true } => {
            if settings.index.read_only {
                return Err(app::AppError::ReadOnly.into());
            }
            let lock = crate::core::index::lock(&settings.index.dir, "cli")?;
            lock.clean_up();
            let m = crate::core::index::rollback(&lock)?;
            println!(
                "Rolled back to generation {} ({} sources, {} passages, built {}).",
                m.generation, m.sources, m.passages, m.built_at
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Index { rollback: false } => {
            let manifest = app::reindex(
                settings,
                &progress::Bar::new(),
                "cli",
                crate::core::index::build_threads(false),
            )?;
            let vectors = render::words::vectors_summary(manifest.vectors);
            println!(
                "Indexed {} sources, {} passages in {:.2} s (generation {}).{vectors}",
                manifest.sources, manifest.passages, manifest.build_seconds, manifest.generation
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Source { action } => source(settings, action),
        Command::Sources { json } => {
            let engine = engine(settings)?;
            terminal::sources(&mut std::io::stdout().lock(), engine.index(), json)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Timeline {
            out,
            topic,
            from,
            to,
            lang,
            explain,
        } => {
            let engine = engine(settings)?;
            timeline(
                engine.index(),
                out.as_deref(),
                &topic,
                from.as_deref(),
                to.as_deref(),
                &lang,
                explain,
            )
        }
        Command::Serve => {
            app::serve::serve(settings.clone(), config_dir, &progress::Bar::new())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            files,
            json,
            verbose,
            features,
        } => {
            let engine = engine(settings)?;
            let mut out = std::io::stdout().lock();
            let mut dump = match &features {
                Some(path) => Some(std::io::BufWriter::new(
                    std::fs::File::create(path)
                        .with_context(|| format!("cannot write {}", path.display()))?,
                )),
                None => None,
            };
            let mut all = Vec::new();
            // Figures per file, then for all of them together.
            for f in &files {
                let cases = eval::load_cases(f).map_err(|e| Usage(e.to_string()))?;
                if let Some(dump) = &mut dump {
                    eval::write_features(&engine, &cases, &f.display().to_string(), dump)
                        .context("evaluation failed")?;
                }
                let report = eval::run(&engine, &cases).context("evaluation failed")?;
                if json {
                    serde_json::to_writer(
                        &mut out,
                        &serde_json::json!({"file": f, "report": report}),
                    )?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "{}", f.display())?;
                    terminal::eval(&mut out, &report, verbose)?;
                }
                all.extend(cases);
            }
            if files.len() > 1 && !json {
                let report = eval::run(&engine, &all).context("evaluation failed")?;
                writeln!(out, "all files: {}", terminal::summary_line(&report.total))?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn ask_one(
    engine: &Engine,
    question: &str,
    top: usize,
    json: bool,
    explain: bool,
) -> anyhow::Result<ExitCode> {
    let response = match engine.ask(question, top, 0) {
        Ok(r) => r,
        Err(AskError::Question(e)) => return Err(Usage(e.to_string()).into()),
        Err(e) => return Err(e.into()),
    };
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, &render::json::answer(&response))?;
        writeln!(out)?;
    } else {
        terminal::response(&mut out, &response, std::io::stdout().is_terminal())?;
        if explain {
            terminal::explain(&mut out, &response)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// One answer per input line, in order; a question that cannot be asked gives an
/// object with an `error` field instead, so output lines always match input lines.
fn ask_batch(engine: &Engine, top: usize, json: bool) -> anyhow::Result<ExitCode> {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let question = line.context("cannot read standard input")?;
        match engine.ask(&question, top, 0) {
            Ok(r) if json => {
                serde_json::to_writer(&mut out, &render::json::answer(&r))?;
                writeln!(out)?;
            }
            Ok(r) => {
                terminal::response(&mut out, &r, false)?;
                writeln!(out)?;
            }
            Err(AskError::Question(e)) if json => {
                serde_json::to_writer(
                    &mut out,
                    &serde_json::json!({ "question": question, "answer": null, "passages": [], "error": e.to_string() }),
                )?;
                writeln!(out)?;
            }
            Err(AskError::Question(e)) => writeln!(out, "{question}\n  {e}\n")?,
            Err(e) => return Err(e.into()),
        }
        out.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `attache source add|refresh`: sources from a link.
fn source(settings: &Settings, action: SourceAction) -> anyhow::Result<ExitCode> {
    use crate::app::links::{self, Refreshed};
    use std::io::Write;
    let live = std::sync::Arc::new(app::LiveEngine::open(
        settings.clone(),
        &progress::Bar::new(),
    )?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fetcher = links::fetcher(settings)?;
    let mut out = std::io::stdout().lock();
    match action {
        SourceAction::Add { url, yes } => {
            let preview = runtime.block_on(links::preview(&live, &fetcher, &url))?;
            terminal::link_preview(&mut out, &preview)?;
            if !yes {
                write!(
                    out,
                    "Add it as {} and reindex? [y/N] ",
                    settings
                        .index
                        .sources
                        .join(&preview.document.filename)
                        .display()
                )?;
                out.flush()?;
                let mut answer = String::new();
                std::io::stdin().read_line(&mut answer)?;
                if !matches!(answer.trim().to_lowercase().as_str(), "y" | "yes") {
                    writeln!(out, "Nothing was added.")?;
                    return Ok(ExitCode::SUCCESS);
                }
            }
            let m = links::add(&live, &preview.url, &preview.document, "cli")?;
            writeln!(
                out,
                "Added `{}` ({} passages); reindexed: generation {}.",
                preview.document.id, preview.passages, m.generation
            )?;
        }
        SourceAction::Refresh { id } => {
            let ids = match id {
                Some(id) => vec![id],
                None => links::linked(&live),
            };
            if ids.is_empty() {
                writeln!(out, "No source was added from a link.")?;
            }
            // Every page is tried; one that fails is reported and the rest go on.
            let mut failed = 0;
            for id in ids {
                let done =
                    match runtime.block_on(links::refresh(live.clone(), &fetcher, &id, "cli")) {
                        Ok(done) => done,
                        Err(e) => {
                            eprintln!("{id}: {e}");
                            failed += 1;
                            continue;
                        }
                    };
                match done {
                    Refreshed::NotModified { id } => {
                        writeln!(out, "{id}: not modified (the site said so); nothing to do.")?
                    }
                    Refreshed::Unchanged { id } => {
                        writeln!(out, "{id}: fetched again; the text is the same; no reindex.")?
                    }
                    Refreshed::Changed {
                        id,
                        added,
                        removed,
                        edited,
                        manifest,
                    } => writeln!(
                        out,
                        "{id}: {added} passages added, {removed} removed, {edited} edited; reindexed: generation {}.",
                        manifest.generation
                    )?,
                }
            }
            if failed > 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `attache timeline`: draw (or explain) the timeline of `index`'s records.
fn timeline(
    index: &crate::core::index::OpenIndex,
    out: Option<&std::path::Path>,
    topic: &str,
    from: Option<&str>,
    to: Option<&str>,
    lang: &str,
    explain: bool,
) -> anyhow::Result<ExitCode> {
    use crate::core::timeline::{self, when};
    let topic = timeline::Topic::parse(topic).ok_or_else(|| {
        Usage(format!(
            "--topic `{topic}`: use all, exchanges, rounds or children"
        ))
    })?;
    let bound = |text: Option<&str>, end: bool, name: &str| -> Result<_, Usage> {
        text.map(|t| {
            when::bound(t, end).ok_or_else(|| {
                Usage(format!(
                    "--{name} `{t}` is not a month or a day (2025-05, 2025-05-16, \"May 2025\")"
                ))
            })
        })
        .transpose()
    };
    let (from, to) = (bound(from, false, "from")?, bound(to, true, "to")?);
    let lang = crate::core::lang::Lang::from_locale(lang)
        .ok_or_else(|| Usage(format!("--lang `{lang}`: use en, uk or ru")))?;
    let (events, unread) = timeline::events(&index.catalog);
    let chosen = timeline::select(&events, topic, from, to);
    let mut stdout = std::io::stdout().lock();
    if explain {
        use std::io::Write;
        writeln!(stdout, "{} events drawn ({}):", chosen.len(), topic.name())?;
        for e in &chosen {
            writeln!(
                stdout,
                "  {:<8} {:<9} {:?}  {}",
                e.id,
                format!("{:?}", e.kind).to_lowercase(),
                e.when,
                e.title
            )?;
        }
        writeln!(
            stdout,
            "{} records with a kind left off (their date cannot be read):",
            unread.len()
        )?;
        for u in &unread {
            writeln!(
                stdout,
                "  {:<8} {} ({})",
                u.id,
                u.date.as_deref().unwrap_or("no date"),
                u.file
            )?;
        }
    }
    if let Some(out) = out {
        let started = std::time::Instant::now();
        let picture = render::timeline::draw(&chosen, topic, lang)
            .map_err(|e| anyhow::anyhow!("drawing the timeline: {e}"))?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        crate::core::durable::replace(out, &picture.png)
            .map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
        use std::io::Write;
        writeln!(
            stdout,
            "Wrote {} ({}x{} px, {} KiB, {} events, drawn in {ms:.0} ms): {}",
            out.display(),
            picture.width,
            picture.height,
            picture.png.len() / 1024,
            chosen.len(),
            picture.alt
        )?;
    }
    Ok(ExitCode::SUCCESS)
}
