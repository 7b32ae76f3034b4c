//! Document numbers for lookup: the exact normalized form, and an
//! OCR-folded form in which characters that scanners confuse are one.

/// Folds OCR-confusable characters together: 0/O/Q/D → 0, 1/I/L → 1,
/// 2/Z → 2, 5/S → 5, 6/G → 6, 8/B → 8. Input is a normalized number
/// (upper-case letters and digits).
pub fn ocr_fold(number: &str) -> String {
    number.chars().map(fold).collect()
}

/// Whether two numbers are the same once folded ([`ocr_fold`]), without
/// building either folded form.
pub fn same_folded(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.chars().map(fold).eq(b.chars().map(fold))
}

fn fold(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        c => c,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn confusable_characters_fold_together() {
        assert_eq!(ocr_fold("OB0243318"), ocr_fold("0802433I8"));
        assert_ne!(ocr_fold("X1234567"), ocr_fold("X1234568"));
    }

    proptest! {
        #[test]
        fn folding_is_idempotent(s in "[A-Z0-9]{1,20}") {
            prop_assert_eq!(ocr_fold(&ocr_fold(&s)), ocr_fold(&s));
        }

        #[test]
        fn same_folded_agrees_with_comparing_folded_forms(a in "[A-Z0-9]{1,12}", b in "[A-Z0-9]{1,12}") {
            prop_assert_eq!(same_folded(&a, &b), ocr_fold(&a) == ocr_fold(&b));
            prop_assert!(same_folded(&a, &ocr_fold(&a)));
        }
    }
}
