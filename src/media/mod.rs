//! Image upload handling: content sniffing, metadata stripping and blob storage.
//!
//! Nothing here decodes pixels; every step works on the container formats'
//! bytes (JPEG segments, PNG chunks, WebP RIFF chunks), and pixel dimensions
//! are read from the headers.

mod dimensions;
mod error;
mod jpeg;
mod png;
mod sniff;
mod storage;
mod strip;
mod upload;
mod webp;

#[cfg(test)]
mod test_support;

pub use dimensions::{check_dimensions, dimensions};
pub use error::MediaError;
pub use sniff::{sniff, ImageKind};
pub use storage::{BlobStorage, InvalidKey, LocalDiskStorage, StoredBlob};
pub use strip::strip_metadata;
pub use upload::{process_upload, UploadLimits};
