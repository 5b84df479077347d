/// What a page off chat tells a person who can answer it neither where it reached them nor in
/// chat: the bot has no web address (`http.public_url`) for replies, keypresses or links, and
/// the person has no chat account it serves. Said plainly, so nobody waits on an answer that
/// goes nowhere while the ladder climbs.
enum PageAnswers {
    /// `by`: how the page reached them ("text", "phone", "mail", "this message").
    static func cannotAcknowledge(_ incident: Int, by: String) -> String {
        "This page cannot be acknowledged by \(by): you have no chat account the bot knows, and it has no web address for answers. "
            + "Its ladder goes on until INC-\(incident) is acknowledged in chat."
    }
}
