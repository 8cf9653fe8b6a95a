/// An HTTP-date (RFC 9110 §5.6.7), as `Retry-After` may carry one.
///
/// Written by hand: the three fixed formats are a few lines, and none of the package's dependencies
/// exposes a parser (Foundation's `DateFormatter` would need a locale and a format per form).
struct HTTPDate: Equatable {
    /// Seconds since 1970-01-01 00:00:00 UTC.
    let secondsSince1970: Int

    /// Parses IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete forms recipients
    /// must accept, RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`);
    /// nil for anything else.
    init?(_ text: some StringProtocol) {
        let tokens = String(text).split(whereSeparator: { (c: Character) in c == " " || c == "," || c == "-" }).map(String.init)
        let day: String, month: String, year: String, time: String
        switch tokens.count {
        case 6 where tokens[5] == "GMT":
            (day, month, year, time) = (tokens[1], tokens[2], tokens[3], tokens[4])
        case 5:
            (month, day, time, year) = (tokens[1], tokens[2], tokens[3], tokens[4])
        default:
            return nil
        }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let clock = time.split(separator: ":").compactMap { Int($0) }
        guard let monthIndex = months.firstIndex(of: month), let dayNumber = Int(day), (1...31).contains(dayNumber),
              var yearNumber = Int(year), year.count == 2 || year.count == 4,
              clock.count == 3, (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2])
        else { return nil }
        // RFC 850's two-digit year: 70…99 are 19xx, the rest 20xx.
        if year.count == 2 { yearNumber += yearNumber >= 70 ? 1900 : 2000 }
        let days = Self.daysSince1970(year: yearNumber, month: monthIndex + 1, day: dayNumber)
        secondsSince1970 = days * 86_400 + clock[0] * 3_600 + clock[1] * 60 + clock[2]
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
