//! Class breaks for the choropleth: quantiles and Jenks natural breaks (Fisher's exact
//! optimisation of within-class squared deviations).

/// Upper bounds of each class for `values` (any order), at most `k` classes; the last bound is
/// the maximum. Classes are `[min, b0]`, `(b0, b1]`, ... Empty input gives no breaks.
pub fn quantile_breaks(values: &[f64], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() || k == 0 {
        return Vec::new();
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let mut breaks: Vec<f64> = (1..=k)
        .map(|i| {
            // Nearest-rank quantile: the value below which i/k of the units lie.
            let rank = ((i as f64 / k as f64) * n as f64).ceil() as usize;
            v[rank.clamp(1, n) - 1]
        })
        .collect();
    breaks.dedup_by(|a, b| a == b);
    breaks
}

/// Jenks natural breaks: the partition of the sorted values into at most `k` classes that
/// minimises the total within-class sum of squared deviations. Returns class upper bounds.
pub fn jenks_breaks(values: &[f64], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() || k == 0 {
        return Vec::new();
    }
    v.sort_by(f64::total_cmp);
    let distinct = {
        let mut d = v.clone();
        d.dedup();
        d.len()
    };
    let k = k.min(distinct);
    let n = v.len();
    if k <= 1 {
        return vec![v[n - 1]];
    }
    // Prefix sums for O(1) squared deviation of any run v[a..b].
    let mut s1 = vec![0.0; n + 1];
    let mut s2 = vec![0.0; n + 1];
    for i in 0..n {
        s1[i + 1] = s1[i] + v[i];
        s2[i + 1] = s2[i] + v[i] * v[i];
    }
    let ssd = |a: usize, b: usize| {
        let m = (b - a) as f64;
        let s = s1[b] - s1[a];
        (s2[b] - s2[a] - s * s / m).max(0.0)
    };
    // cost[c][j]: best cost of the first j values in c+1 classes; cut[c][j]: start of the last.
    let mut cost = vec![vec![f64::INFINITY; n + 1]; k];
    let mut cut = vec![vec![0usize; n + 1]; k];
    for (j, c) in cost[0].iter_mut().enumerate().skip(1) {
        *c = ssd(0, j);
    }
    for c in 1..k {
        for j in (c + 1)..=n {
            let (best, at) = cost[c - 1]
                .iter()
                .enumerate()
                .take(j)
                .skip(c)
                .map(|(i, prev)| (prev + ssd(i, j), i))
                .fold((f64::INFINITY, c), |a, b| if b.0 < a.0 { b } else { a });
            cost[c][j] = best;
            cut[c][j] = at;
        }
    }
    let mut bounds = Vec::with_capacity(k);
    let mut j = n;
    for c in (0..k).rev() {
        bounds.push(v[j - 1]);
        j = if c > 0 { cut[c][j] } else { 0 };
    }
    bounds.reverse();
    bounds.dedup_by(|a, b| a == b);
    bounds
}

/// Index of the class of `x` for upper bounds `breaks` (values above the last go in the last).
pub fn class_of(breaks: &[f64], x: f64) -> usize {
    breaks
        .iter()
        .position(|&b| x <= b)
        .unwrap_or(breaks.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jenks_finds_obvious_groups() {
        let v = [1.0, 1.1, 0.9, 10.0, 10.5, 9.8, 100.0, 101.0];
        assert_eq!(jenks_breaks(&v, 3), vec![1.1, 10.5, 101.0]);
        assert_eq!(jenks_breaks(&[5.0, 5.0], 4), vec![5.0]);
    }

    #[test]
    fn quantiles_split_evenly() {
        let v: Vec<f64> = (1..=10).map(|x| x as f64).collect();
        assert_eq!(quantile_breaks(&v, 5), vec![2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(class_of(&[2.0, 4.0], 3.0), 1);
        assert_eq!(class_of(&[2.0, 4.0], 2.0), 0);
    }
}
