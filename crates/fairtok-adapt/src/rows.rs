//! Rows of an embedding matrix in its own float type: the mean of some rows, computed one way
//! that a test can repeat exactly.
//!
//! The mean of rows `r1..rn` is, per column: the values widened to `f64` and added in the
//! order the pieces come, divided by `n` in `f64`, rounded to `f32` (round to nearest, ties
//! to even), then to the matrix's type (`f16`, `bf16`: the same rounding). Rows that are
//! copied (old ids, the first piece's row) are never converted: their bytes are kept.

use safetensors::Dtype;

/// A float type an embedding matrix may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Float {
    F32,
    F16,
    Bf16,
}

impl Float {
    /// The float type of a safetensors dtype, if it is one this step averages.
    pub(crate) fn of(dtype: Dtype) -> Option<Float> {
        match dtype {
            Dtype::F32 => Some(Float::F32),
            Dtype::F16 => Some(Float::F16),
            Dtype::BF16 => Some(Float::Bf16),
            _ => None,
        }
    }

    /// Its safetensors name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Float::F32 => "F32",
            Float::F16 => "F16",
            Float::Bf16 => "BF16",
        }
    }

    /// Bytes per value.
    pub(crate) fn size(self) -> usize {
        match self {
            Float::F32 => 4,
            Float::F16 | Float::Bf16 => 2,
        }
    }

    /// Adds the values of `row` (little-endian, this type) to `acc`.
    fn accumulate(self, row: &[u8], acc: &mut [f64]) {
        match self {
            Float::F32 => {
                for (a, b) in acc.iter_mut().zip(row.chunks_exact(4)) {
                    *a += f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
                }
            }
            Float::F16 => {
                for (a, b) in acc.iter_mut().zip(row.chunks_exact(2)) {
                    *a += f64::from(half::f16::from_le_bytes([b[0], b[1]]).to_f32());
                }
            }
            Float::Bf16 => {
                for (a, b) in acc.iter_mut().zip(row.chunks_exact(2)) {
                    *a += f64::from(half::bf16::from_le_bytes([b[0], b[1]]).to_f32());
                }
            }
        }
    }

    /// Appends `value` (rounded to `f32`, then to this type) to `out`.
    fn push(self, value: f64, out: &mut Vec<u8>) {
        // `as` rounds an f64 to the nearest f32, ties to even.
        let value = value as f32;
        match self {
            Float::F32 => out.extend_from_slice(&value.to_le_bytes()),
            Float::F16 => out.extend_from_slice(&half::f16::from_f32(value).to_le_bytes()),
            Float::Bf16 => out.extend_from_slice(&half::bf16::from_f32(value).to_le_bytes()),
        }
    }
}

/// A row-major matrix in memory: `rows × width` values of one float type.
pub(crate) struct Matrix<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) float: Float,
    /// Values per row.
    pub(crate) width: usize,
}

impl Matrix<'_> {
    /// Bytes per row.
    pub(crate) fn row_bytes(&self) -> usize {
        self.width * self.float.size()
    }

    /// The bytes of row `r`.
    pub(crate) fn row(&self, r: usize) -> &[u8] {
        let n = self.row_bytes();
        &self.data[r * n..(r + 1) * n]
    }

    /// Appends the mean of `rows` (see the module docs) to `out`. `rows` is not empty.
    pub(crate) fn push_mean(&self, rows: &[u32], acc: &mut Vec<f64>, out: &mut Vec<u8>) {
        acc.clear();
        acc.resize(self.width, 0.0);
        for &r in rows {
            self.float.accumulate(self.row(r as usize), acc);
        }
        let n = rows.len() as f64;
        for &a in acc.iter() {
            self.float.push(a / n, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(float: Float, values: &[f32], width: usize) -> Vec<u8> {
        let mut out = vec![];
        for &v in values {
            float.push(f64::from(v), &mut out);
        }
        assert_eq!(out.len(), values.len() * float.size());
        let _ = width;
        out
    }

    #[test]
    fn the_mean_of_rows_in_each_type() {
        for float in [Float::F32, Float::F16, Float::Bf16] {
            let data = matrix(float, &[1.0, -2.0, 3.0, 4.0, 0.5, 0.25], 2);
            let m = Matrix {
                data: &data,
                float,
                width: 2,
            };
            let mut out = vec![];
            m.push_mean(&[0, 2], &mut vec![], &mut out);
            let expected = matrix(float, &[0.75, -0.875], 2);
            assert_eq!(out, expected, "{float:?}");
            // One row: its own bytes back.
            let mut one = vec![];
            m.push_mean(&[1], &mut vec![], &mut one);
            assert_eq!(one, m.row(1), "{float:?}");
        }
    }

    #[test]
    fn rounding_is_to_nearest_even_through_f32() {
        // 1 + 2^-8 is halfway between two bf16 values (1 and 1 + 2^-7): ties go to even (1).
        let mut out = vec![];
        Float::Bf16.push(1.0 + 2f64.powi(-8), &mut out);
        assert_eq!(out, half::bf16::from_f32(1.0).to_le_bytes());
        Float::Bf16.push(1.0 + 3.0 * 2f64.powi(-8), &mut out);
        assert_eq!(
            &out[2..],
            half::bf16::from_f32(1.0 + 2f32.powi(-6)).to_le_bytes()
        );
    }
}
