//! attache's words around what members and moderators do with an answer: vote on it,
//! say what was wrong, share it, remove it; forum posts; `/feedback`; and the storage
//! being unavailable. English, Ukrainian and Russian side by side, as in
//! [`super::words`].

use crate::core::lang::Lang;

pub struct FeedbackWords {
    pub share: &'static str,
    /// The 👍 acknowledgement: first vote, the same again, changed.
    pub thanks_helpful: &'static str,
    pub already_helpful: &'static str,
    pub now_helpful: &'static str,
    /// After 👎 and its box.
    pub thanks_not_helpful: &'static str,
    pub thanks_comment: &'static str,
    /// The box after 👎 (title and label: at most 45 characters).
    pub modal_title: &'static str,
    pub modal_label: &'static str,
    pub modal_placeholder: &'static str,
    pub too_old_to_rate: &'static str,
    /// A vote, `/feedback`, `/unanswered` or a long question's button while the
    /// database is down.
    pub unavailable: &'static str,
    /// Votes while the operator has not set a voter secret the processes share.
    pub votes_off: &'static str,
    /// Above a shared answer: `{who}`, a mention that pings no one.
    pub shared_by: &'static str,
    pub share_is_for_private: &'static str,
    pub not_yours: &'static str,
    pub removed: &'static str,
    pub already_removed: &'static str,
    /// Under a forum post's "nothing found".
    pub forum_human: &'static str,
    /// `/feedback`.
    pub feedback_title: &'static str,
    pub no_votes: &'static str,
    pub recent_down: &'static str,
    pub most_down: &'static str,
    pub by_generation: &'static str,
    /// `{generation}`, `{up}`, `{votes}`, `{percent}`.
    pub generation_share: &'static str,
    pub no_comment: &'static str,
    /// `{n}`.
    pub cleared: &'static str,
}

pub fn of(lang: Lang) -> &'static FeedbackWords {
    match lang {
        Lang::En => &EN,
        Lang::Uk => &UK,
        Lang::Ru => &RU,
    }
}

static EN: FeedbackWords = FeedbackWords {
    share: "Share to channel",
    thanks_helpful: "Thanks! Noted as helpful. You can change your vote at any time.",
    already_helpful: "You have already marked this answer as helpful.",
    now_helpful: "Changed: your vote now says this answer helped.",
    thanks_not_helpful: "Thanks. Noted as not helpful; moderators read these to improve the sources.",
    thanks_comment: "Thanks. Your note is with the moderators.",
    modal_title: "What was wrong with this answer?",
    modal_label: "What was wrong? (optional)",
    modal_placeholder: "e.g. the date is wrong, or it answers something else",
    too_old_to_rate: "This answer is too old to rate. Ask again to rate the new answer.",
    unavailable: "That is unavailable right now: attache cannot reach its database, so it may not have been recorded. Please try again later.",
    votes_off: "Votes are not set up on this bot yet (its operator has to set a voter secret). Nothing was recorded.",
    shared_by: "-# Shared by {who}",
    share_is_for_private: "This answer is already public.",
    not_yours: "Only the member who asked, or a moderator, can remove this answer.",
    removed: "Answer removed.",
    already_removed: "That answer was already removed.",
    forum_human: "Someone here may know: this post stays open for a human answer.",
    feedback_title: "Feedback on answers",
    no_votes: "No votes yet.",
    recent_down: "Voted down lately",
    most_down: "Voted down most",
    by_generation: "Helpful, by index generation",
    generation_share: "generation {generation}: {up} of {votes} helpful ({percent}%)",
    no_comment: "no comment",
    cleared: "Feedback cleared: {n} votes removed.",
};

static UK: FeedbackWords = FeedbackWords {
    share: "Поширити в каналі",
    thanks_helpful: "Дякуємо! Позначено як корисне. Голос можна змінити будь-коли.",
    already_helpful: "Ви вже позначили цю відповідь як корисну.",
    now_helpful: "Змінено: тепер ваш голос каже, що відповідь допомогла.",
    thanks_not_helpful: "Дякуємо. Позначено як некорисне; модератори читають це, щоб покращити джерела.",
    thanks_comment: "Дякуємо. Ваш коментар передано модераторам.",
    modal_title: "Що не так із цією відповіддю?",
    modal_label: "Що не так? (необов'язково)",
    modal_placeholder: "напр. неправильна дата або відповідь не на те питання",
    too_old_to_rate: "Ця відповідь застара для оцінки. Запитайте ще раз, щоб оцінити нову.",
    unavailable: "Зараз це недоступно: attache не може дістатися своєї бази даних, тож це могло не записатися. Спробуйте пізніше.",
    votes_off: "Голосування на цьому боті ще не налаштоване (оператор має задати секрет для голосів). Нічого не записано.",
    shared_by: "-# Поширив(ла) {who}",
    share_is_for_private: "Ця відповідь уже публічна.",
    not_yours: "Прибрати цю відповідь може лише той, хто питав, або модератор.",
    removed: "Відповідь прибрано.",
    already_removed: "Цю відповідь уже прибрано.",
    forum_human: "Можливо, хтось тут знає: допис лишається відкритим для відповіді людини.",
    feedback_title: "Відгуки на відповіді",
    no_votes: "Голосів ще немає.",
    recent_down: "Нещодавно оцінені як некорисні",
    most_down: "Найчастіше оцінені як некорисні",
    by_generation: "Корисні, за поколінням індексу",
    generation_share: "покоління {generation}: {up} з {votes} корисні ({percent}%)",
    no_comment: "без коментаря",
    cleared: "Відгуки очищено: прибрано голосів: {n}.",
};

static RU: FeedbackWords = FeedbackWords {
    share: "Поделиться в канале",
    thanks_helpful: "Спасибо! Отмечено как полезное. Голос можно изменить в любой момент.",
    already_helpful: "Вы уже отметили этот ответ как полезный.",
    now_helpful: "Изменено: теперь ваш голос говорит, что ответ помог.",
    thanks_not_helpful: "Спасибо. Отмечено как бесполезное; модераторы читают это, чтобы улучшить источники.",
    thanks_comment: "Спасибо. Ваш комментарий передан модераторам.",
    modal_title: "Что не так с этим ответом?",
    modal_label: "Что не так? (необязательно)",
    modal_placeholder: "напр. неверная дата или ответ не на тот вопрос",
    too_old_to_rate: "Этот ответ слишком старый для оценки. Спросите снова, чтобы оценить новый.",
    unavailable: "Сейчас это недоступно: attache не может достучаться до своей базы данных, поэтому это могло не записаться. Попробуйте позже.",
    votes_off: "Голосование на этом боте ещё не настроено (оператор должен задать секрет для голосов). Ничего не записано.",
    shared_by: "-# Поделился(лась) {who}",
    share_is_for_private: "Этот ответ уже публичный.",
    not_yours: "Убрать этот ответ может только тот, кто спрашивал, или модератор.",
    removed: "Ответ убран.",
    already_removed: "Этот ответ уже убран.",
    forum_human: "Возможно, кто-то здесь знает: пост остаётся открытым для ответа человека.",
    feedback_title: "Отзывы об ответах",
    no_votes: "Голосов пока нет.",
    recent_down: "Недавно отмечены как бесполезные",
    most_down: "Чаще всего отмечены как бесполезные",
    by_generation: "Полезные, по поколению индекса",
    generation_share: "поколение {generation}: {up} из {votes} полезны ({percent}%)",
    no_comment: "без комментария",
    cleared: "Отзывы очищены: удалено голосов: {n}.",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modal_words_fit_discord_and_placeholders_match() {
        for lang in [Lang::En, Lang::Uk, Lang::Ru] {
            let w = of(lang);
            // Discord's limits: a modal title and an input's label, 45 characters.
            assert!(w.modal_title.chars().count() <= 45, "{}", w.modal_title);
            assert!(w.modal_label.chars().count() <= 45, "{}", w.modal_label);
            assert!(w.modal_placeholder.chars().count() <= 100);
            assert!(w.share.chars().count() <= 80);
            assert!(w.shared_by.contains("{who}"));
            for hole in ["{generation}", "{up}", "{votes}", "{percent}"] {
                assert!(w.generation_share.contains(hole), "{lang:?} {hole}");
            }
            assert!(w.cleared.contains("{n}"));
        }
    }
}
