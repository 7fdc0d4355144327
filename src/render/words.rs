//! attache's own words, in English, Ukrainian and Russian: what a member reads around
//! the quoted sources (nothing found, refusals, button labels, help). The quotes stay in
//! the language of the sources. Front ends pick the language with
//! [`Lang::for_reply`](crate::core::lang::Lang::for_reply) and render these words; the
//! core never sees them. The captions of sourcing flags are here too, English included:
//! the core returns the flags, not how they read.
//!
//! Moderator-only replies (reindex results, source management, `/unanswered`) are in
//! English for now.
//!
//! Over 400 lines because it holds the same table three times, one per language, side
//! by side so a translator sees every phrase with its English.

use crate::core::corpus::{flag_kinds, Flag, FlagKind};
use crate::core::index::vectors::EmbedStats;
use crate::core::lang::Lang;
use crate::core::search::DirectAnswer;

/// Every phrase a member may read, in one language. `{…}` marks what is filled in.
pub struct Words {
    /// Says that the quoted answer and passages are in English.
    pub quoted_in_english: &'static str,
    pub nothing_found_title: &'static str,
    pub nothing_found: &'static str,
    pub no_further_passages: &'static str,
    /// `{words}`: the question's words that no source has.
    pub not_in_any_source: &'static str,
    pub try_other_words: &'static str,
    /// The same, for the command line.
    pub try_other_words_cli: &'static str,
    /// Before the one-line answer on the command line.
    pub answer_label: &'static str,
    /// `{fixes}`: "prisonners → prisoners".
    pub read_as: &'static str,
    pub backed_by: &'static str,
    pub backed_by_continued: &'static str,
    pub caution: &'static str,
    pub photo: &'static str,
    /// The button under an answer that shows its passages.
    pub show_passages: &'static str,
    /// Above an answer to a message asked about from its menu: `{link}` to the message.
    pub answer_to_message: &'static str,
    /// "Ask attache" on a message that has no text.
    pub no_text_to_ask: &'static str,
    /// Paging through passages.
    pub previous: &'static str,
    pub next: &'static str,
    /// Under "Show passages": `{first}`, `{last}`, `{total}`.
    pub results_footer: &'static str,
    /// In the citation line: `{n}` further passages match (`more_matching_one` for one).
    pub more_matching: &'static str,
    pub more_matching_one: &'static str,
    /// The one caveat beside a flagged answer; `{who}` made the claim.
    pub caveat_disputed: &'static str,
    pub caveat_single_source: &'static str,
    pub caveat_weak_source: &'static str,
    pub caveat_claim: &'static str,
    pub caveat_claim_unnamed: &'static str,
    /// `{id}`.
    pub whole_source_footer: &'static str,
    pub results_gone: &'static str,
    pub button_expired: &'static str,
    pub button_unknown: &'static str,
    /// `{seconds}`.
    pub cooldown: &'static str,
    pub busy: &'static str,
    pub restarting: &'static str,
    pub failed: &'static str,
    pub empty_question: &'static str,
    /// `{chars}`, `{max}`.
    pub too_long: &'static str,
    pub help_title: &'static str,
    pub help_intro: &'static str,
    pub help_ask: &'static str,
    pub help_answer_channels: &'static str,
    /// `{max}`: the longest question.
    pub help_tips: &'static str,
    pub help_look_around: &'static str,
    /// How long ago the index was built: `{n}` minutes, hours, days.
    pub just_now: &'static str,
    pub minutes_ago: &'static str,
    pub hours_ago: &'static str,
    pub days_ago: &'static str,
    pub unknown_time: &'static str,
    /// Caveats of a flagged source.
    pub disputed: &'static str,
    pub single_source: &'static str,
    pub weak_source: &'static str,
    pub claim: &'static str,
    /// The sources cover the topic but say nothing exact: said before the closest passages.
    pub not_exact: &'static str,
    /// On the command line.
    pub more_passages: &'static str,
    pub citations: &'static str,
    /// `{n}`.
    pub more_relevant: &'static str,
}

pub fn of(lang: Lang) -> &'static Words {
    match lang {
        Lang::En => &EN,
        Lang::Uk => &UK,
        Lang::Ru => &RU,
    }
}

/// How long ago an RFC 3339 time was, for people: "just now", "5 min ago", "2 h ago".
pub fn ago(lang: Lang, rfc3339: &str) -> String {
    let w = of(lang);
    let Some(secs) = humantime::parse_rfc3339(rfc3339)
        .ok()
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .map(|d| d.as_secs())
    else {
        return w.unknown_time.into();
    };
    let (template, n) = match secs {
        0..60 => return w.just_now.into(),
        60..3600 => (w.minutes_ago, secs / 60),
        3600..86_400 => (w.hours_ago, secs / 3600),
        _ => (w.days_ago, secs / 86_400),
    };
    fill(template, &[("n", &n.to_string())])
}

/// How a flag kind reads next to an answer.
pub fn flag(lang: Lang, kind: FlagKind) -> &'static str {
    let w = of(lang);
    match kind {
        FlagKind::Disputed => w.disputed,
        FlagKind::SingleSource => w.single_source,
        FlagKind::WeakSource => w.weak_source,
        FlagKind::Claim => w.claim,
    }
}

/// The caveats of `flags` (each kind once), in `lang`.
pub fn caveats(lang: Lang, flags: &[Flag]) -> Vec<String> {
    flag_kinds(flags)
        .into_iter()
        .map(|k| flag(lang, k).to_string())
        .collect()
}

/// The direct answer's text as a reader sees it: the quote, then the cited source's
/// caveats in `lang` ("… (disputed: sources disagree)").
pub fn answer_text(lang: Lang, answer: &DirectAnswer) -> String {
    if answer.caveats.is_empty() {
        return answer.text.clone();
    }
    let caveats: Vec<&str> = answer.caveats.iter().map(|c| flag(lang, c.kind)).collect();
    format!("{} ({})", answer.text, caveats.join("; "))
}

/// The one caveat a flagged answer carries, in `lang`, with the claimant named for a
/// claim ("⚠️ According to Zelensky; not confirmed"); `None` when nothing is flagged.
pub fn caveat(lang: Lang, caveats: &[Flag]) -> Option<String> {
    let w = of(lang);
    let phrases: Vec<String> = caveats
        .iter()
        .map(|c| match c.kind {
            FlagKind::Disputed => w.caveat_disputed.to_string(),
            FlagKind::SingleSource => w.caveat_single_source.to_string(),
            FlagKind::WeakSource => w.caveat_weak_source.to_string(),
            FlagKind::Claim => match claimant(c.detail.as_deref()) {
                Some(who) => fill(w.caveat_claim, &[("who", &with_article(lang, who))]),
                None => w.caveat_claim_unnamed.to_string(),
            },
        })
        .collect();
    (!phrases.is_empty()).then(|| format!("⚠️ {}", phrases.join(" · ")))
}

/// An English claimant that is not a name takes an article: "According to an
/// anonymous source", but "According to Zelensky", "According to Ukrainian officials".
fn with_article(lang: Lang, who: &str) -> String {
    const DETERMINED: [&str; 9] = [
        "the", "a", "an", "one", "his", "her", "their", "its", "some",
    ];
    let common = who.chars().next().is_some_and(char::is_lowercase);
    let first = who.split_whitespace().next().unwrap_or_default();
    if lang != Lang::En || !common || who.ends_with('s') || DETERMINED.contains(&first) {
        return who.to_string();
    }
    let article = if who.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {who}")
}

/// Who made a claim, from a marker's detail ("Medinsky; no independent check found"
/// gives "Medinsky").
fn claimant(detail: Option<&str>) -> Option<&str> {
    let who = detail?.split([';', ',', '(']).next()?.trim();
    (!who.is_empty()).then_some(who)
}

/// "2 more passages match", in `lang`.
pub fn more_matching(lang: Lang, n: usize) -> String {
    let w = of(lang);
    if n == 1 {
        w.more_matching_one.to_string()
    } else {
        fill(w.more_matching, &[("n", &n.to_string())])
    }
}

/// What a build did with sentence vectors, for whoever reindexed (English, as every
/// moderator-only reply is): " Sentence vectors: 3 embedded, 297 reused."
pub fn vectors_summary(vectors: Option<EmbedStats>) -> String {
    match vectors {
        Some(v) => format!(
            " Sentence vectors: {} embedded, {} reused.",
            v.embedded,
            v.sentences - v.embedded
        ),
        None => " Semantic search is off for this index.".to_string(),
    }
}

/// `text` cut around the answer span (`[start, end)` in characters, as
/// `answer.span` has it): before, the answer, after. `None` without a span, or when it
/// does not fall inside the text.
pub fn span_parts(text: &str, span: Option<[usize; 2]>) -> Option<(&str, &str, &str)> {
    let [from, to] = span?;
    let at = |chars: usize| {
        text.char_indices()
            .nth(chars)
            .map_or(text.len(), |(i, _)| i)
    };
    let (from, to) = (at(from), at(to));
    (from < to).then(|| (&text[..from], &text[from..to], &text[to..]))
}

/// `template` with each `{name}` replaced by its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

static EN: Words = Words {
    quoted_in_english: "",
    nothing_found_title: "Nothing found",
    nothing_found: "I found nothing in the sources that answers this.",
    no_further_passages: "There are no further passages for this question.",
    not_in_any_source: "Not in any source: {words}.",
    try_other_words: "Try other words for what you mean, or see what the sources cover with `/sources`.",
    try_other_words_cli: "Try other words for what you mean, or ask about something the sources cover (`attache sources`).",
    answer_label: "Answer",
    read_as: "Read as: {fixes}",
    backed_by: "Backed by",
    backed_by_continued: "Backed by (continued)",
    caution: "Caution",
    photo: "Photo",
    answer_to_message: "Answer to [this message]({link})",
    no_text_to_ask: "That message has no text to ask about. Ask with `/ask`, in your own words.",
    show_passages: "Show passages",
    previous: "◀ Previous",
    next: "Next ▶",
    results_footer: "Passages {first}–{last} of {total}",
    more_matching: "{n} more passages match",
    more_matching_one: "1 more passage matches",
    caveat_disputed: "Sources disagree on this",
    caveat_single_source: "Only one source",
    caveat_weak_source: "Weakly sourced",
    caveat_claim: "According to {who}; not confirmed",
    caveat_claim_unnamed: "A claim; not confirmed",
    whole_source_footer: "/source show {id} shows the whole source",
    results_gone: "These results are no longer in the index; ask the question again.",
    button_expired: "This button has expired (its question is no longer kept). Please ask the question again.",
    button_unknown: "This button is from another version of attache. Please ask the question again.",
    cooldown: "Please wait {seconds} s before asking again.",
    busy: "I'm answering a lot of questions right now. Please try again in a few seconds.",
    restarting: "attache is restarting. Please ask again in a minute.",
    failed: "Sorry, something went wrong on my side while answering. It has been logged; please try again.",
    empty_question: "Please ask a question: it was empty.",
    too_long: "That question is too long ({chars} characters); please keep it under {max}.",
    help_title: "How to ask attache",
    help_intro: "Ask me about the sources this server has loaded, in plain words, in English, Ukrainian or Russian. I search them and answer with the passages that say so, and cite where each comes from.",
    help_ask: "**Ask**\n• `/ask question: How many prisoners will be exchanged?`\n• mention me: `@attache Who led the Russian delegation?`\n• or send me a direct message.",
    help_answer_channels: "• In this server's question channels, every message is taken as a question.",
    help_tips: "**Tips**
• Ask one thing at a time; names, dates and numbers help (\"When was the third round?\").
• Spelling mistakes and other spellings of names are fine.
• `private: True` on `/ask` shows the answer only to you.
• Under an answer, **Show passages** shows the quoted passages and every page behind them.
• Questions may be up to {max} characters.",
    help_look_around: "**Look around**\n• `/sources` lists what is indexed; `/source show id:` shows one source whole.\n• `/timeline` draws the talks as a picture (`topic:`, `from:`, `to:`).\n• Moderators: `/source add` and `/source remove` change the sources; `/reindex` after editing files; `/rollback` goes back one index generation.",
    just_now: "just now",
    minutes_ago: "{n} min ago",
    hours_ago: "{n} h ago",
    days_ago: "{n} d ago",
    unknown_time: "at an unknown time",
    disputed: "disputed: sources disagree",
    single_source: "single source",
    weak_source: "weakly sourced",
    claim: "unconfirmed claim",
    not_exact: "The sources don't say exactly; closest passages:",
    more_passages: "More passages:",
    citations: "Citations:",
    more_relevant: "({n} more relevant passages: use --top)",
};

static UK: Words = Words {
    quoted_in_english: "Цитати наведено англійською — мовою джерел.",
    nothing_found_title: "Нічого не знайдено",
    nothing_found: "У джерелах немає нічого, що відповідало б на це запитання.",
    no_further_passages: "Інших уривків для цього запитання немає.",
    not_in_any_source: "Немає в жодному джерелі: {words}.",
    try_other_words: "Спробуйте сказати інакше або подивіться, про що є джерела: `/sources`.",
    try_other_words_cli: "Спробуйте сказати інакше або спитайте про те, про що є джерела (`attache sources`).",
    answer_label: "Відповідь",
    read_as: "Виправлено: {fixes}",
    backed_by: "Підтвердження",
    backed_by_continued: "Підтвердження (продовження)",
    caution: "Увага",
    photo: "Фото",
    answer_to_message: "Відповідь на [це повідомлення]({link})",
    no_text_to_ask: "У цьому повідомленні немає тексту, про який можна запитати. Запитайте через `/ask` своїми словами.",
    show_passages: "Показати уривки",
    previous: "◀ Назад",
    next: "Далі ▶",
    results_footer: "Уривки {first}–{last} з {total}",
    more_matching: "ще уривків: {n}",
    more_matching_one: "ще 1 уривок",
    caveat_disputed: "Джерела в цьому розходяться",
    caveat_single_source: "Лише одне джерело",
    caveat_weak_source: "Слабке джерело",
    caveat_claim: "За словами {who}; не підтверджено",
    caveat_claim_unnamed: "Заява; не підтверджено",
    whole_source_footer: "/source show {id} показує джерело повністю",
    results_gone: "Цих результатів уже немає в індексі; поставте запитання ще раз.",
    button_expired: "Ця кнопка вже не діє (її запитання більше не зберігається). Поставте запитання ще раз.",
    button_unknown: "Ця кнопка з іншої версії attache. Поставте запитання ще раз.",
    cooldown: "Зачекайте {seconds} с, перш ніж питати знову.",
    busy: "Зараз я відповідаю на багато запитань. Спробуйте ще раз за кілька секунд.",
    restarting: "attache перезапускається. Запитайте ще раз за хвилину.",
    failed: "Вибачте, під час відповіді в мене щось пішло не так. Помилку записано; спробуйте ще раз.",
    empty_question: "Поставте запитання: воно порожнє.",
    too_long: "Запитання задовге (символів: {chars}); скоротіть його до {max} символів.",
    help_title: "Як питати attache",
    help_intro: "Питайте мене звичайними словами про джерела, завантажені на цей сервер, — українською, англійською чи російською. Я шукаю в них і відповідаю уривками, де про це сказано, з посиланням на джерело кожного. Джерела англійською, тож і цитати англійською.",
    help_ask: "**Як питати**\n• `/ask question: Скільки полонених обміняють?`\n• згадайте мене: `@attache Хто очолював російську делегацію?`\n• або напишіть мені в особисті повідомлення.",
    help_answer_channels: "• У каналах для запитань на цьому сервері кожне повідомлення вважається запитанням.",
    help_tips: "**Поради**
• Питайте про одне за раз; імена, дати й числа допомагають («Коли був третій раунд?»).
• Помилки й інше написання імен — не проблема.
• `private: True` у `/ask` показує відповідь лише вам.
• Під відповіддю **Показати уривки** показує цитовані уривки й усі сторінки, на які вони спираються.
• Запитання може мати до {max} символів.",
    help_look_around: "**Що ще є**\n• `/sources` — що проіндексовано; `/source show id:` показує одне джерело повністю.\n• `/timeline` малює переговори як часову шкалу (`topic:`, `from:`, `to:`).\n• Модератори: `/source add` і `/source remove` змінюють джерела; `/reindex` — після редагування файлів; `/rollback` повертає попередню версію індексу.",
    just_now: "щойно",
    minutes_ago: "{n} хв тому",
    hours_ago: "{n} год тому",
    days_ago: "{n} дн. тому",
    unknown_time: "невідомо коли",
    disputed: "спірне: джерела розходяться",
    single_source: "лише одне джерело",
    weak_source: "слабке джерело",
    claim: "непідтверджена заява",
    not_exact: "Джерела не кажуть цього точно; найближчі уривки:",
    more_passages: "Ще уривки:",
    citations: "Джерела:",
    more_relevant: "(ще відповідних уривків: {n}; див. --top)",
};

static RU: Words = Words {
    quoted_in_english: "Цитаты приведены на английском — языке источников.",
    nothing_found_title: "Ничего не найдено",
    nothing_found: "В источниках нет ничего, что отвечало бы на этот вопрос.",
    no_further_passages: "Других отрывков по этому вопросу нет.",
    not_in_any_source: "Нет ни в одном источнике: {words}.",
    try_other_words: "Попробуйте сформулировать иначе или посмотрите, о чём есть источники: `/sources`.",
    try_other_words_cli: "Попробуйте сформулировать иначе или спросите о том, о чём есть источники (`attache sources`).",
    answer_label: "Ответ",
    read_as: "Исправлено: {fixes}",
    backed_by: "Подтверждения",
    backed_by_continued: "Подтверждения (продолжение)",
    caution: "Внимание",
    photo: "Фото",
    answer_to_message: "Ответ на [это сообщение]({link})",
    no_text_to_ask: "В этом сообщении нет текста, о котором можно спросить. Спросите через `/ask` своими словами.",
    show_passages: "Показать отрывки",
    previous: "◀ Назад",
    next: "Далее ▶",
    results_footer: "Отрывки {first}–{last} из {total}",
    more_matching: "ещё отрывков: {n}",
    more_matching_one: "ещё 1 отрывок",
    caveat_disputed: "Источники в этом расходятся",
    caveat_single_source: "Только один источник",
    caveat_weak_source: "Слабый источник",
    caveat_claim: "По словам {who}; не подтверждено",
    caveat_claim_unnamed: "Заявление; не подтверждено",
    whole_source_footer: "/source show {id} показывает источник целиком",
    results_gone: "Этих результатов уже нет в индексе; задайте вопрос ещё раз.",
    button_expired: "Эта кнопка больше не действует (её вопрос больше не хранится). Задайте вопрос ещё раз.",
    button_unknown: "Эта кнопка из другой версии attache. Задайте вопрос ещё раз.",
    cooldown: "Подождите {seconds} с, прежде чем спрашивать снова.",
    busy: "Сейчас я отвечаю на много вопросов. Попробуйте ещё раз через несколько секунд.",
    restarting: "attache перезапускается. Спросите ещё раз через минуту.",
    failed: "Извините, при ответе у меня что-то пошло не так. Ошибка записана; попробуйте ещё раз.",
    empty_question: "Задайте вопрос: он пустой.",
    too_long: "Вопрос слишком длинный (символов: {chars}); сократите его до {max} символов.",
    help_title: "Как спрашивать attache",
    help_intro: "Спрашивайте меня обычными словами об источниках, загруженных на этот сервер, — по-русски, по-украински или по-английски. Я ищу в них и отвечаю отрывками, где об этом сказано, со ссылкой на источник каждого. Источники на английском, поэтому и цитаты на английском.",
    help_ask: "**Как спрашивать**\n• `/ask question: Сколько пленных обменяют?`\n• упомяните меня: `@attache Кто возглавлял российскую делегацию?`\n• или напишите мне в личные сообщения.",
    help_answer_channels: "• В каналах для вопросов на этом сервере каждое сообщение считается вопросом.",
    help_tips: "**Советы**
• Спрашивайте об одном за раз; имена, даты и числа помогают («Когда был третий раунд?»).
• Опечатки и другое написание имён — не проблема.
• `private: True` в `/ask` показывает ответ только вам.
• Под ответом **Показать отрывки** показывает цитируемые отрывки и все страницы, на которые они опираются.
• Вопрос может быть длиной до {max} символов.",
    help_look_around: "**Что ещё есть**\n• `/sources` — что проиндексировано; `/source show id:` показывает один источник целиком.\n• `/timeline` рисует переговоры как хронологию (`topic:`, `from:`, `to:`).\n• Модераторы: `/source add` и `/source remove` меняют источники; `/reindex` — после правки файлов; `/rollback` возвращает предыдущую версию индекса.",
    just_now: "только что",
    minutes_ago: "{n} мин назад",
    hours_ago: "{n} ч назад",
    days_ago: "{n} дн. назад",
    unknown_time: "неизвестно когда",
    disputed: "спорно: источники расходятся",
    single_source: "только один источник",
    weak_source: "слабый источник",
    claim: "неподтверждённое заявление",
    not_exact: "Источники не говорят этого точно; ближайшие отрывки:",
    more_passages: "Ещё отрывки:",
    citations: "Источники:",
    more_relevant: "(ещё подходящих отрывков: {n}; см. --top)",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phrase_keeps_its_placeholders_in_every_language() {
        let pick = |w: &'static Words| {
            [
                w.not_in_any_source,
                w.read_as,
                w.results_footer,
                w.more_matching,
                w.caveat_claim,
                w.answer_to_message,
                w.whole_source_footer,
                w.cooldown,
                w.too_long,
                w.help_tips,
            ]
        };
        let holes = |s: &str| {
            let mut h: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            h.sort();
            h
        };
        for lang in [Lang::Uk, Lang::Ru] {
            for (en, other) in pick(&EN).iter().zip(pick(of(lang))) {
                assert_eq!(holes(en), holes(other), "{other}");
            }
        }
    }

    #[test]
    fn flags_and_times_read_in_every_language() {
        for lang in [Lang::En, Lang::Uk, Lang::Ru] {
            let w = of(lang);
            for phrase in [w.disputed, w.claim, w.minutes_ago, w.citations] {
                assert!(!phrase.is_empty());
            }
            assert!(w.minutes_ago.contains("{n}") && w.more_relevant.contains("{n}"));
        }
    }

    #[test]
    fn caveats_of_an_answer_read_in_the_askers_language() {
        let answer = DirectAnswer {
            text: "Medinsky said 1,200.".into(),
            citation: 1,
            span: None,
            caveats: vec![Flag {
                kind: FlagKind::Disputed,
                detail: None,
            }],
        };
        assert_eq!(
            answer_text(Lang::Uk, &answer),
            "Medinsky said 1,200. (спірне: джерела розходяться)"
        );
        assert_eq!(
            answer_text(Lang::En, &answer),
            "Medinsky said 1,200. (disputed: sources disagree)"
        );
    }

    #[test]
    fn a_claim_names_who_made_it_in_every_language() {
        let claim = |detail: &str| Flag {
            kind: FlagKind::Claim,
            detail: Some(detail.into()),
        };
        assert_eq!(
            caveat(Lang::En, &[claim("Medinsky; no independent check found")]).as_deref(),
            Some("⚠️ According to Medinsky; not confirmed")
        );
        assert_eq!(
            caveat(Lang::Uk, &[claim("Zelensky")]).as_deref(),
            Some("⚠️ За словами Zelensky; не підтверджено")
        );
        assert_eq!(
            caveat(Lang::En, &[claim("anonymous source")]).as_deref(),
            Some("⚠️ According to an anonymous source; not confirmed")
        );
        assert_eq!(
            caveat(Lang::En, &[claim("the Kremlin")]).as_deref(),
            Some("⚠️ According to the Kremlin; not confirmed")
        );
        let unnamed = Flag {
            kind: FlagKind::Claim,
            detail: None,
        };
        assert_eq!(
            caveat(Lang::Ru, &[unnamed]).as_deref(),
            Some("⚠️ Заявление; не подтверждено")
        );
        assert_eq!(caveat(Lang::En, &[]), None);
    }

    #[test]
    fn the_span_cuts_the_text_by_characters() {
        assert_eq!(
            span_parts("Обмін: at least 1,200.", Some([7, 21])),
            Some(("Обмін: ", "at least 1,200", "."))
        );
        assert_eq!(span_parts("short", Some([3, 99])), Some(("sho", "rt", "")));
        assert_eq!(span_parts("short", Some([9, 12])), None);
        assert_eq!(span_parts("short", None), None);
    }

    #[test]
    fn filling_replaces_every_placeholder() {
        assert_eq!(
            fill(of(Lang::Uk).cooldown, &[("seconds", "3")]),
            "Зачекайте 3 с, перш ніж питати знову."
        );
    }
}
