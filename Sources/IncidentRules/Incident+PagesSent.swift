import IncidentCore

extension Incident {
    /// The pages as they went out, for people to read (the export's table, `/incident
    /// escalation`): a level paged again at the same moment (a late scheduler catching up on
    /// the top's repeats) went out as the one page already listed, and is listed once, with
    /// the latest record's withdrawal. `pages` keeps every record: the ladders count them.
    public var pagesSent: [PageRecord] {
        var listed: [PageRecord] = []
        var index: [String: Int] = [:]
        for page in pages {
            let key = "\(page.at) \(page.person) \(page.level)"
            if let at = index[key] {
                listed[at].withdrawn = page.withdrawn
            } else {
                index[key] = listed.count
                listed.append(page)
            }
        }
        return listed
    }
}
