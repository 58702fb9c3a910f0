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

/// Normalises `input` into the spaced view (see the module docs).
pub fn spaced(input: &str) -> Normalised {
    let mut out = Normalised { text: String::with_capacity(input.len()), spans: Vec::with_capacity(input.len()) };
    // A separator run seen since the last kept character, with its original range.
    let mut gap: Option<(u32, u32)> = None;
    let mut last: Option<char> = None;
    let mut chars = input.char_indices().peekable();
    while let Some((i, raw)) = chars.next() {
        let from = (i as u32, (i + raw.len_utf8()) as u32);
        let Some(mut c) = fold(raw) else {
            gap = Some(gap.map_or(from, |g| (g.0, from.1)));
            continue;
        };
        if c == '.' {
            // A dot is kept only inside a number (39.9); otherwise it separates.
            let next_digit = chars.peek().and_then(|(_, n)| fold(*n)).is_some_and(|n| n.is_ascii_digit());
            if !(gap.is_none() && last.is_some_and(|l| l.is_ascii_digit()) && next_digit) {
                gap = Some(gap.map_or(from, |g| (g.0, from.1)));
                continue;
            }
            c = '.';
        }
        if let Some(g) = gap.take() {
            if last.is_some_and(latin) && latin(c) {
                out.push(' ', g);
            }
        }
        out.push(c, from);
        last = Some(c);
    }
    out
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
