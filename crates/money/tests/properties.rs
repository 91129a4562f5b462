//! Property tests of the money rules, through the public API only.

use money::expression::{evaluate, evaluate_minor};
use money::{
    Currency, MAX_MINOR, format_amount, parse_amount, parse_nonzero_amount, parse_signed_amount,
    split_by_weights, split_equally,
};
use proptest::prelude::*;

/// One currency of each exponent ISO 4217 uses: 0, 2, 3 and 4.
fn currencies() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["JPY", "EUR", "BHD", "CLF"])
        .prop_map(|code| Currency::parse(code).expect("a test currency"))
}

proptest! {
    #[test]
    fn formatting_then_parsing_gives_the_amount_back(
        currency in currencies(),
        minor in 1..=MAX_MINOR,
    ) {
        let text = format_amount(minor, currency);
        prop_assert_eq!(parse_amount(&text, currency), Ok(minor));
        prop_assert_eq!(parse_nonzero_amount(&text, currency), Ok(minor));
        // The comma reads the same as the dot.
        prop_assert_eq!(parse_amount(&text.replace('.', ","), currency), Ok(minor));
    }

    #[test]
    fn signed_amounts_round_trip_too(
        currency in currencies(),
        minor in -MAX_MINOR..=MAX_MINOR,
    ) {
        let text = format_amount(minor, currency);
        prop_assert_eq!(parse_signed_amount(&text, currency), Ok(minor));
        prop_assert_eq!(parse_amount(&text, currency).is_ok(), minor > 0);
        prop_assert_eq!(parse_nonzero_amount(&text, currency).is_ok(), minor != 0);
    }

    #[test]
    fn formatted_amounts_have_exactly_the_exponents_digits(
        currency in currencies(),
        minor in any::<i128>(),
    ) {
        let text = format_amount(minor, currency);
        let exponent = usize::from(currency.exponent());
        match text.split_once('.') {
            Some((_, fraction)) => prop_assert_eq!(fraction.len(), exponent),
            None => prop_assert_eq!(exponent, 0),
        }
        prop_assert!(text.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit() || b == b'.'));
        prop_assert_eq!(text.starts_with('-'), minor < 0);
    }

    #[test]
    fn amounts_written_in_any_accepted_way_parse_to_their_value(
        currency in currencies(),
        leading_zeros in 0_usize..4,
        major in 0_i64..10_000_000,
        fraction_digits in 0_u8..=4,
        fraction in 0_u32..10_000,
        comma in any::<bool>(),
    ) {
        let fraction = fraction % 10_u32.pow(u32::from(fraction_digits));
        let mut text = format!("{}{major}", "0".repeat(leading_zeros));
        if fraction_digits > 0 {
            let separator = if comma { ',' } else { '.' };
            text.push_str(&format!("{separator}{fraction:0width$}", width = usize::from(fraction_digits)));
        }
        let result = parse_signed_amount(&text, currency);
        if fraction_digits > currency.exponent() {
            prop_assert!(result.is_err(), "{} accepted for {}", text, currency);
        } else {
            let scale = 10_i64.pow(u32::from(currency.exponent() - fraction_digits));
            let expected = major * currency.minor_per_major() + i64::from(fraction) * scale;
            prop_assert_eq!(result, Ok(expected));
        }
    }

    #[test]
    fn weighted_parts_add_up_to_the_whole_and_follow_the_weights(
        total in any::<i64>(),
        weights in prop::collection::vec(0_u64..1_000, 1..12),
    ) {
        prop_assume!(weights.iter().any(|&w| w > 0));
        let parts = split_by_weights(total, &weights).expect("a split");
        prop_assert_eq!(parts.len(), weights.len());
        prop_assert_eq!(parts.iter().map(|&p| i128::from(p)).sum::<i128>(), i128::from(total));
        let weight_sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
        for (&part, &weight) in parts.iter().zip(&weights) {
            // Each part is its exact share rounded down or up, never further off.
            let exact_times_sum = i128::from(total) * i128::from(weight);
            let part_times_sum = i128::from(part) * weight_sum;
            prop_assert!((part_times_sum - exact_times_sum).abs() < weight_sum);
            prop_assert!(part == 0 || (part < 0) == (total < 0));
            if weight == 0 {
                prop_assert_eq!(part, 0);
            }
        }
    }

    #[test]
    fn equal_parts_add_up_and_differ_by_at_most_one_unit(
        total in -MAX_MINOR..=MAX_MINOR,
        count in 1_usize..50,
    ) {
        let parts = split_equally(total, count).expect("a split");
        prop_assert_eq!(parts.iter().sum::<i64>(), total);
        let largest = parts.iter().map(|p| p.abs()).max().expect("parts");
        let smallest = parts.iter().map(|p| p.abs()).min().expect("parts");
        prop_assert!(largest - smallest <= 1);
        // The earlier parts take the units left over.
        prop_assert!(parts.windows(2).all(|w| w[0].abs() >= w[1].abs()));
        // A negative total mirrors the positive one.
        let mirrored = split_equally(-total, count).expect("a split");
        prop_assert_eq!(mirrored, parts.iter().map(|p| -p).collect::<Vec<_>>());
    }

    #[test]
    fn the_calculator_adds_subtracts_and_multiplies_amounts_exactly(
        currency in currencies(),
        a in 0..=MAX_MINOR,
        b in 0..=MAX_MINOR,
        k in 0_i64..1000,
    ) {
        let (x, y) = (format_amount(a, currency), format_amount(b, currency));
        prop_assert_eq!(evaluate(&x, currency), Ok(x.clone()));
        prop_assert_eq!(evaluate_minor(&format!("{x}+{y}"), currency), Ok(i128::from(a) + i128::from(b)));
        prop_assert_eq!(evaluate_minor(&format!("{x} - {y}"), currency), Ok(i128::from(a) - i128::from(b)));
        prop_assert_eq!(evaluate_minor(&format!("{x}*{k}"), currency), Ok(i128::from(a) * i128::from(k)));
        prop_assert_eq!(evaluate_minor(&format!("-({x})"), currency), Ok(-i128::from(a)));
        if k > 0 {
            // Dividing a multiple of k by k is exact, whatever the currency.
            let product = format_amount(i128::from(a) * i128::from(k), currency);
            prop_assert_eq!(evaluate(&format!("{product}/{k}"), currency), Ok(x.clone()));
        }
        // Every result is itself an amount the contract's parser reads.
        let sum = evaluate(&format!("{x}+{y}"), currency).expect("a sum");
        prop_assert_eq!(parse_signed_amount(&sum, currency).ok().map(i128::from), (i128::from(a) + i128::from(b) <= i128::from(MAX_MINOR)).then_some(i128::from(a) + i128::from(b)));
    }
}
