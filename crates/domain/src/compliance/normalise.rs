//! Normalising speech before matching, so the usual ways of dodging a word filter do not work:
//! full-width letters (ＶＸ), case (WeChat), spaces or punctuation inserted between characters
//! (最 好, 加 V 信, 微.信), zero-width characters and emoji used as separators.
//!
//! Every normalised byte remembers the original bytes it came from, so a finding points at the
//! words the anchor actually said.
//!
//! Two views are built: the *spaced* view keeps one space between two Latin words or numbers
//! ("best regards" stays two words, so word boundaries still work in English) and drops every
//! other separator; the *compact* view drops every separator, for the few distinctive words
//! (app names, "wechat") that people spell out letter by letter.

/// Normalised text with a map back to the original.
#[derive(Debug, Clone, Default)]
pub struct Normalised {
    /// The normalised text.
    pub text: String,
    /// For each byte of `text`, the original byte range of the character it came from.
    spans: Vec<(u32, u32)>,
}

impl Normalised {
    /// The original byte range covered by normalised bytes `start..end` (`end > start`).
    pub fn original(&self, start: usize, end: usize) -> (usize, usize) {
        let s = self.spans.get(start).map(|s| s.0).unwrap_or(0);
        let e = self.spans.get(end.saturating_sub(1)).map(|s| s.1).unwrap_or(s);
        (s as usize, e as usize)
    }

    /// Replaces every leftmost-longest match of `ac` by the corresponding entry of `with`; the
    /// replacement maps back to the whole original range of what it replaced.
    pub fn replace_all(self, ac: &aho_corasick::AhoCorasick, with: &[String]) -> Normalised {
        let mut matches = ac.find_iter(&self.text).peekable();
        if matches.peek().is_none() {
            return self;
        }
        let mut out =
            Normalised { text: String::with_capacity(self.text.len()), spans: Vec::with_capacity(self.spans.len()) };
        let mut at = 0;
        for m in matches {
            out.text.push_str(&self.text[at..m.start()]);
            out.spans.extend_from_slice(&self.spans[at..m.start()]);
            let (s, e) = self.original(m.start(), m.end());
            let rep = with.get(m.pattern().as_usize()).map(String::as_str).unwrap_or("");
            out.text.push_str(rep);
            out.spans.extend(std::iter::repeat_n((s as u32, e as u32), rep.len()));
            at = m.end();
        }
        out.text.push_str(&self.text[at..]);
        out.spans.extend_from_slice(&self.spans[at..]);
        out
    }

    #[inline]
    fn push(&mut self, c: char, from: (u32, u32)) {
        self.text.push(c);
        self.spans.extend(std::iter::repeat_n(from, c.len_utf8()));
    }
}

/// One character folded: full-width forms to ASCII, letters to lower case. `None` for a
/// separator (space, punctuation, symbols, zero-width characters, emoji).
#[inline]
fn fold(c: char) -> Option<char> {
    // Fast paths for what speech is made of: ASCII, and CJK ideographs (kept as they are).
    if c.is_ascii() {
        return match c {
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'a'..='z' | '0'..='9' | '%' | '$' | '+' => Some(c),
            // Kept for prices and figures ("39.9"); dropped between words below.
            '.' => Some('.'),
            _ => None,
        };
    }
    if ('\u{4E00}'..='\u{9FFF}').contains(&c) {
        return Some(c);
    }
    let c = match c {
        '\u{FF01}'..='\u{FF5E}' => return fold(char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)),
        '￥' => '¥',
        _ => c,
    };
    match c {
        '¥' | '€' | '£' => Some(c),
        // Emoji and pictographs often stand in for a letter (v❤): treated as separators.
        _ if c.is_alphanumeric() => Some(c.to_lowercase().next().unwrap_or(c)),
        _ => None,
    }
}

#[inline]
fn latin(c: char) -> bool {
    c.is_ascii_alphanumeric()
}

/// Where the normaliser writes: the text alone (the scan's fast path), or the text with the map
/// back to the original (built only when there is something to report). Both run the same code,
/// so the two views cannot drift apart.
trait Sink {
    /// One folded character that came from the original bytes `from`.
    fn push_char(&mut self, c: char, from: (u32, u32));
    /// A run of characters kept exactly as said, starting at byte `at` of the original.
    fn push_run(&mut self, run: &str, at: u32);
}

impl Sink for String {
    #[inline]
    fn push_char(&mut self, c: char, _: (u32, u32)) {
        self.push(c);
    }
    #[inline]
    fn push_run(&mut self, run: &str, _: u32) {
        self.push_str(run);
    }
}

impl Sink for Normalised {
    #[inline]
    fn push_char(&mut self, c: char, from: (u32, u32)) {
        self.push(c, from);
    }
    fn push_run(&mut self, run: &str, at: u32) {
        self.text.push_str(run);
        for (i, c) in run.char_indices() {
            let s = at + i as u32;
            self.spans.extend(std::iter::repeat_n((s, s + c.len_utf8() as u32), c.len_utf8()));
        }
    }
}

/// Bytes kept exactly as they are (lower-case ASCII letters, digits, `%`, `$`, `+`): what `fold`
/// maps to itself, so a run of them is copied whole instead of decoded and folded one by one.
const VERBATIM: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'%' || c == b'$' || c == b'+';
        b += 1;
    }
    t
};

/// The length of the run at the start of `b` that the normaliser keeps verbatim: the bytes of
/// `VERBATIM` and CJK ideographs U+4E00..=U+9FFF (UTF-8 `E4 B8..BF xx` to `E9 xx xx`), which
/// `fold` keeps as they are. `b` comes from a `str`, so a lead byte is followed by its
/// continuation bytes and the run ends on a character boundary.
#[inline]
fn verbatim_run(b: &[u8]) -> usize {
    let mut i = 0;
    while let Some(&x) = b.get(i) {
        if VERBATIM[x as usize] {
            i += 1;
        } else if (0xE5..=0xE9).contains(&x) || (x == 0xE4 && b.get(i + 1).is_some_and(|y| *y >= 0xB8)) {
            i += 3;
        } else {
            break;
        }
    }
    i.min(b.len())
}

/// The normaliser proper (see the module docs), writing to either sink.
fn spaced_core<S: Sink>(input: &str, out: &mut S) {
    let bytes = input.as_bytes();
    // A separator run seen since the last kept character, with its original range.
    let mut gap: Option<(u32, u32)> = None;
    // What the last kept character was: a Latin letter or digit, and a digit.
    let (mut last_latin, mut last_digit) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        let run = verbatim_run(&bytes[i..]);
        if run > 0 {
            let first = bytes[i];
            if let Some(g) = gap.take() {
                if last_latin && first.is_ascii_alphanumeric() {
                    out.push_char(' ', g);
                }
            }
            out.push_run(&input[i..i + run], i as u32);
            // The last byte of a CJK character is a continuation byte: neither Latin nor digit.
            let last = bytes[i + run - 1];
            (last_latin, last_digit) = (last.is_ascii_alphanumeric(), last.is_ascii_digit());
            i += run;
            continue;
        }
        let Some(raw) = input[i..].chars().next() else { break };
        let len = raw.len_utf8();
        let from = (i as u32, (i + len) as u32);
        i += len;
        let Some(c) = fold(raw) else {
            gap = Some(gap.map_or(from, |g| (g.0, from.1)));
            continue;
        };
        if c == '.' {
            // A dot is kept only inside a number (39.9); otherwise it separates.
            let next_digit = input[i..].chars().next().and_then(fold).is_some_and(|n| n.is_ascii_digit());
            if !(gap.is_none() && last_digit && next_digit) {
                gap = Some(gap.map_or(from, |g| (g.0, from.1)));
                continue;
            }
        }
        if let Some(g) = gap.take() {
            if last_latin && latin(c) {
                out.push_char(' ', g);
            }
        }
        out.push_char(c, from);
        (last_latin, last_digit) = (latin(c), c.is_ascii_digit());
    }
}

/// Normalises `input` into the spaced view (see the module docs).
pub fn spaced(input: &str) -> Normalised {
    let mut out = Normalised { text: String::with_capacity(input.len()), spans: Vec::with_capacity(input.len()) };
    spaced_core(input, &mut out);
    out
}

/// The spaced view's text alone, written into `out` (cleared first): what the scan matches on
/// before it knows whether there is anything to map back.
pub(super) fn spaced_text(input: &str, out: &mut String) {
    out.clear();
    out.reserve(input.len());
    spaced_core(input, out);
}

/// What [`Normalised::replace_all`] makes of the text, without the map: `text` with every
/// leftmost-longest match of `ac` replaced, written into `out` (cleared first).
pub(super) fn replace_text(text: &str, ac: &aho_corasick::AhoCorasick, with: &[String], out: &mut String) {
    out.clear();
    let mut at = 0;
    for m in ac.find_iter(text) {
        out.push_str(&text[at..m.start()]);
        out.push_str(with.get(m.pattern().as_usize()).map(String::as_str).unwrap_or(""));
        at = m.end();
    }
    out.push_str(&text[at..]);
}

/// The compact view of an already spaced text: every remaining space dropped.
pub fn compact(spaced: &Normalised) -> Normalised {
    let mut out =
        Normalised { text: String::with_capacity(spaced.text.len()), spans: Vec::with_capacity(spaced.text.len()) };
    for (i, c) in spaced.text.char_indices() {
        if c != ' ' {
            let from = spaced.spans.get(i).copied().unwrap_or_default();
            out.push(c, from);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_width_and_case_and_drops_separators_between_cjk() {
        assert_eq!(spaced("加 Ｖ 信").text, "加v信");
        assert_eq!(spaced("最  好！用").text, "最好用");
        assert_eq!(spaced("微.信").text, "微信");
        assert_eq!(spaced("加\u{200B}微\u{200B}信").text, "加微信");
        assert_eq!(spaced("v❤").text, "v");
    }

    #[test]
    fn keeps_one_space_between_latin_words_and_dots_in_numbers() {
        assert_eq!(spaced("Best   Regards, all!").text, "best regards all");
        assert_eq!(spaced("原价199，今天只要39.9元").text, "原价199今天只要39.9元");
        assert_eq!(spaced("It ends. Now").text, "it ends now");
        assert_eq!(spaced("ＷｅＣｈａｔ").text, "wechat");
    }

    #[test]
    fn compact_view_joins_spelled_out_words() {
        assert_eq!(compact(&spaced("W h a t s A p p me")).text, "whatsappme");
    }

    #[test]
    fn spans_point_back_to_the_original() {
        let s = "请加 V 信聊";
        let n = spaced(s);
        let at = n.text.find("v信").unwrap();
        let (a, b) = n.original(at, at + "v信".len());
        assert_eq!(&s[a..b], "V 信");
        let c = compact(&spaced("a b c"));
        assert_eq!(c.original(0, 3), (0, 5));
    }
}
