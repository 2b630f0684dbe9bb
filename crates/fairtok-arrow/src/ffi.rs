//! The Arrow C data interface: a column in from another library, a result out to it.
//!
//! The interface is two C structs, `ArrowSchema` (the type) and `ArrowArray` (the buffers),
//! each with a `release` callback that frees it. A consumer **moves** an `ArrowArray`: it copies
//! the struct and marks the producer's copy released (a null `release`), after which it alone
//! frees the buffers. This is what the `__arrow_c_array__` protocol hands over in two
//! PyCapsules named `arrow_schema` and `arrow_array`; the Python binding passes the capsules'
//! pointers to [`import`] and wraps what [`export`] returns in new capsules.
//!
//! No buffer is copied either way. What comes in is validated in full (offsets in bounds and
//! increasing, UTF-8 for strings) before a kernel reads it, so a malformed array is an
//! [`Error::Invalid`], never undefined behaviour, provided the structs themselves are what the
//! interface says (pointers and lengths that match their allocations).

use arrow_array::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{make_array, Array, ArrayRef};

use crate::{Error, Result};

/// Imports the column in `array` (typed by `schema`), moving it out of `array`: `array` is left
/// released (an empty struct), as the interface asks of a consumer; `schema` is only read.
/// The column is validated in full before it is returned.
///
/// # Safety
///
/// `array` and `schema` must be non-null, aligned, and point to initialised `ArrowArray` and
/// `ArrowSchema` structs of the C data interface that describe the same column and are not
/// released, with buffers as long as the interface says.
pub unsafe fn import(
    array: *mut FFI_ArrowArray,
    schema: *const FFI_ArrowSchema,
) -> Result<ArrayRef> {
    // SAFETY: the caller promises an initialised `ArrowArray` at `array`; replacing it with an
    // empty (released) struct is the interface's move.
    let array = unsafe { std::ptr::replace(array, FFI_ArrowArray::empty()) };
    // SAFETY: the caller promises an initialised `ArrowSchema` at `schema`, alive for this call.
    let schema = unsafe { &*schema };
    // SAFETY: the caller promises that the two structs describe the same column and that its
    // buffers are as long as the interface says.
    let data = unsafe { from_ffi(array, schema) }.map_err(|e| Error::Invalid(e.to_string()))?;
    data.validate_full()
        .map_err(|e| Error::Invalid(e.to_string()))?;
    Ok(make_array(data))
}

/// Exports `column` as the two C structs, sharing its buffers (their owner is kept alive until
/// the consumer releases the array).
pub fn export(column: &dyn Array) -> Result<(FFI_ArrowArray, FFI_ArrowSchema)> {
    to_ffi(&column.to_data()).map_err(|e| Error::Invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Int64Array, StringArray};

    /// A column exported and imported again is the same column.
    #[test]
    fn round_trip() {
        let a = StringArray::from(vec![Some("a"), None, Some("한국어")]);
        let (mut array, schema) = export(&a).unwrap();
        // SAFETY: both structs were just made by `export` for the same column.
        let back = unsafe { import(&mut array, &schema) }.unwrap();
        assert_eq!(back.to_data(), a.to_data());
        assert!(array.is_released(), "the import moves the array out");
        let n = Int64Array::from(vec![1, 2]);
        let (mut array, schema) = export(&n).unwrap();
        // SAFETY: as above.
        let back = unsafe { import(&mut array, &schema) }.unwrap();
        assert_eq!(back.to_data(), n.to_data());
    }

    /// Offsets past the data are refused by the validation, not read.
    #[test]
    fn malformed_offsets_are_refused() {
        use arrow_array::ffi::FFI_ArrowArray;
        use arrow_buffer::Buffer;
        use arrow_data::ArrayData;
        use arrow_schema::DataType;
        // Offsets 0, 2, 1: decreasing. Built unchecked, as a careless producer might.
        let offsets = Buffer::from_slice_ref([0i32, 2, 1]);
        let values = Buffer::from_slice_ref(b"ab");
        // SAFETY: deliberately invalid, to be refused by `import`; never read as a string here.
        let data = unsafe {
            ArrayData::new_unchecked(
                DataType::Utf8,
                2,
                None,
                None,
                0,
                vec![offsets, values],
                vec![],
            )
        };
        let schema = FFI_ArrowSchema::try_from(data.data_type()).unwrap();
        let mut array = FFI_ArrowArray::new(&data);
        // SAFETY: the structs are initialised and describe the same (malformed) column; the
        // buffers are as long as the offsets say at most (2 bytes).
        let e = unsafe { import(&mut array, &schema) }.unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e}");
    }
}
