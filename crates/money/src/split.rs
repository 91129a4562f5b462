//! Dividing an amount into parts that add up to the whole exactly, by the
//! largest-remainder method.
//!
//! Each part first gets the floor of its exact share `|total| × weight / Σweights`;
//! the units left over (fewer than the number of parts) go one each to the parts
//! with the largest remainders, the earlier part first on a tie. A negative total
//! is split as its absolute value and every part negated, so `-100` in three is
//! `[-34, -33, -33]`, the mirror of `100` → `[34, 33, 33]`. A zero weight always
//! gets zero.

use crate::error::{MoneyError, SplitProblem};

/// Splits `total` minor units into one part per weight, proportionally, so that
/// the parts add up to `total` exactly (see the module docs for the rule).
///
/// # Errors
///
/// [`MoneyError::InvalidSplit`] when `weights` is empty or all zero.
pub fn split_by_weights(total: i64, weights: &[u64]) -> Result<Vec<i64>, MoneyError> {
    if weights.is_empty() {
        return Err(MoneyError::InvalidSplit(SplitProblem::NoParts));
    }
    let weight_sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if weight_sum == 0 {
        return Err(MoneyError::InvalidSplit(SplitProblem::AllWeightsZero));
    }
    // |i64| × u64 < 2^127, so every product below fits in a u128.
    let magnitude = u128::from(total.unsigned_abs());
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut handed_out: u128 = 0;
    for (index, &weight) in weights.iter().enumerate() {
        let exact = magnitude * u128::from(weight);
        let part = exact / weight_sum;
        handed_out += part;
        parts.push(part);
        remainders.push((exact % weight_sum, index));
    }
    let left_over = magnitude - handed_out;
    // Largest remainder first; on a tie the earlier part.
    remainders.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    // Fewer units are left over than there are parts, so the count fits a usize.
    let left_over = usize::try_from(left_over).unwrap_or(usize::MAX);
    for &(_, index) in remainders.iter().take(left_over) {
        parts[index] += 1;
    }
    Ok(parts
        .into_iter()
        .map(|part| {
            // A part is at most |total|. Only 2^63, the magnitude of i64::MIN, does
            // not fit an i64, and such a part is the whole of a total of i64::MIN.
            i64::try_from(part).map_or(i64::MIN, |part| if total < 0 { -part } else { part })
        })
        .collect())
}

/// Splits `total` minor units into `parts` equal parts, the earlier parts taking
/// the units left over: `100` in three is `[34, 33, 33]`.
///
/// # Errors
///
/// [`MoneyError::InvalidSplit`] when `parts` is zero.
pub fn split_equally(total: i64, parts: usize) -> Result<Vec<i64>, MoneyError> {
    split_by_weights(total, &vec![1; parts])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_parts_give_the_left_over_units_to_the_earliest_parts() {
        assert_eq!(split_equally(100, 3), Ok(vec![34, 33, 33]));
        assert_eq!(split_equally(101, 3), Ok(vec![34, 34, 33]));
        assert_eq!(split_equally(99, 3), Ok(vec![33, 33, 33]));
        assert_eq!(split_equally(2, 5), Ok(vec![1, 1, 0, 0, 0]));
        assert_eq!(split_equally(7, 1), Ok(vec![7]));
        assert_eq!(split_equally(0, 3), Ok(vec![0, 0, 0]));
    }

    #[test]
    fn negative_totals_mirror_positive_ones() {
        assert_eq!(split_equally(-100, 3), Ok(vec![-34, -33, -33]));
        assert_eq!(
            split_by_weights(-1000, &[1, 2, 3]),
            Ok(vec![-167, -333, -500])
        );
        assert_eq!(split_by_weights(1000, &[1, 2, 3]), Ok(vec![167, 333, 500]));
    }

    #[test]
    fn weights_are_proportional_and_the_largest_remainder_wins() {
        // Exact shares 166.67, 333.33, 500: the single left-over unit goes to
        // the first part, whose remainder (2/3) is the largest.
        assert_eq!(split_by_weights(1000, &[1, 2, 3]), Ok(vec![167, 333, 500]));
        // Exact shares 0.3, 0.6, 0.1 of one unit: it goes to the second part.
        assert_eq!(split_by_weights(1, &[3, 6, 1]), Ok(vec![0, 1, 0]));
        // Exact shares 3.5, 3.5, 3: a tie, broken towards the earlier part.
        assert_eq!(split_by_weights(10, &[7, 7, 6]), Ok(vec![4, 3, 3]));
        assert_eq!(split_by_weights(1250, &[50, 50]), Ok(vec![625, 625]));
    }

    #[test]
    fn zero_weights_get_nothing() {
        assert_eq!(split_by_weights(100, &[0, 1, 0, 1]), Ok(vec![0, 50, 0, 50]));
        assert_eq!(split_by_weights(101, &[1, 0, 1]), Ok(vec![51, 0, 50]));
        assert_eq!(split_by_weights(5, &[0, 3]), Ok(vec![0, 5]));
    }

    #[test]
    fn no_parts_or_only_zero_weights_are_refused() {
        assert_eq!(
            split_by_weights(100, &[]),
            Err(MoneyError::InvalidSplit(SplitProblem::NoParts))
        );
        assert_eq!(
            split_equally(100, 0),
            Err(MoneyError::InvalidSplit(SplitProblem::NoParts))
        );
        assert_eq!(
            split_by_weights(100, &[0, 0]),
            Err(MoneyError::InvalidSplit(SplitProblem::AllWeightsZero))
        );
        assert_eq!(
            split_by_weights(0, &[0]),
            Err(MoneyError::InvalidSplit(SplitProblem::AllWeightsZero))
        );
    }

    #[test]
    fn extreme_totals_and_weights_do_not_overflow() {
        let parts = split_by_weights(i64::MIN, &[u64::MAX, u64::MAX]).expect("a split");
        assert_eq!(parts, vec![i64::MIN / 2, i64::MIN / 2]);
        let parts = split_by_weights(i64::MAX, &[u64::MAX, 1]).expect("a split");
        assert_eq!(
            parts.iter().map(|&p| i128::from(p)).sum::<i128>(),
            i128::from(i64::MAX)
        );
        assert_eq!(parts[1], 0);
        assert_eq!(split_by_weights(i64::MIN, &[1]), Ok(vec![i64::MIN]));
    }
}
