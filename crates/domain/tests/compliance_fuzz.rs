//! The normaliser and the scanner take anything a client sends: arbitrary Unicode must never make
//! them panic, and every finding must point at real characters of the original text.
#![allow(clippy::unwrap_used)]

use std::sync::OnceLock;

use clearcast_domain::compliance::{normalise, Catalogue, Scope};
use proptest::prelude::*;

fn catalogue() -> &'static Catalogue {
    static C: OnceLock<Catalogue> = OnceLock::new();
    C.get_or_init(|| Catalogue::default_catalogue().unwrap())
}

/// Text mixing the characters filters meet: CJK, Latin, digits, full-width forms, punctuation,
/// zero-width characters, emoji and anything else.
fn texty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("最".to_string()),
        Just("全网最低价".to_string()),
        Just("加 V 信".to_string()),
        Just("ＷｅＣｈａｔ".to_string()),
        Just("\u{200B}".to_string()),
        Just("❤".to_string()),
        Just(" best ".to_string()),
        Just("99.9%".to_string()),
        Just("治好".to_string()),
        "[a-zA-Z0-9 .,!?'-]{0,8}",
        "\\PC{0,6}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn normalising_never_panics_and_maps_back_inside_the_text(s in texty()) {
        let n = normalise::spaced(&s);
        let c = normalise::compact(&n);
        for view in [&n, &c] {
            for (i, _) in view.text.char_indices() {
                let end = i + view.text[i..].chars().next().unwrap().len_utf8();
                let (a, b) = view.original(i, end);
                prop_assert!(a < b && b <= s.len());
                prop_assert!(s.is_char_boundary(a) && s.is_char_boundary(b));
            }
        }
    }

    #[test]
    fn findings_point_at_the_words_said(s in texty(), chat in any::<bool>(), cat in prop::option::of(prop_oneof![Just("cosmetics"), Just("disinfectant"), Just("food")])) {
        let scope = if chat { Scope::Chat } else { Scope::Speech };
        for f in catalogue().scan(&s, scope, cat, None) {
            prop_assert!(f.start < f.end && f.end <= s.len());
            prop_assert_eq!(&s[f.start..f.end], f.matched.as_str());
            prop_assert_eq!(s[..f.start].chars().count(), f.char_start);
            prop_assert_eq!(f.char_end - f.char_start, f.matched.chars().count());
        }
    }
}
