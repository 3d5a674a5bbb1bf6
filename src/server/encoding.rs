//! Content codings of cacheable responses: which one a client accepts (`Accept-Encoding`) and
//! the compressed bodies, made once per content (kept in the render cache by ETag) instead of
//! once per request. Brotli and gzip output is deterministic, so every replica sends the same
//! bytes for the same data.

use std::io::Write;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::HttpRequest;

/// A content coding this service sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
    Identity,
}

impl Coding {
    /// The `Content-Encoding` token (`None` for identity, which is sent without the header).
    pub fn token(self) -> Option<&'static str> {
        match self {
            Coding::Brotli => Some("br"),
            Coding::Gzip => Some("gzip"),
            Coding::Identity => None,
        }
    }

    /// The body compressed with this coding. Gzip at the default level, brotli at 6 (about
    /// gzip's speed, a tenth smaller): a body is compressed once per data version.
    pub fn compress(self, body: &[u8]) -> Bytes {
        match self {
            Coding::Identity => Bytes::copy_from_slice(body),
            Coding::Gzip => {
                let mut e = flate2::write::GzEncoder::new(
                    Vec::with_capacity(body.len() / 4 + 64),
                    flate2::Compression::default(),
                );
                // Writing to a Vec cannot fail.
                let _ = e.write_all(body);
                Bytes::from(e.finish().unwrap_or_default())
            }
            Coding::Brotli => {
                let mut out = Vec::with_capacity(body.len() / 4 + 64);
                let params = brotli::enc::BrotliEncoderParams {
                    quality: 6,
                    lgwin: 22,
                    ..Default::default()
                };
                let mut input = body;
                // Reading from a slice and writing to a Vec cannot fail.
                let _ = brotli::BrotliCompress(&mut input, &mut out, &params);
                Bytes::from(out)
            }
        }
    }
}

/// Media types not worth compressing (already compressed).
pub fn compressible(content_type: &str) -> bool {
    !(content_type.starts_with("image/png") || content_type.starts_with("image/jpeg"))
}

/// The q-value of `coding` in an `Accept-Encoding` value (`*` counts for codings not named;
/// identity is acceptable unless refused).
fn quality(accept: &str, coding: &str) -> f32 {
    let mut star = None;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let name = it.next().unwrap_or("").trim();
        let q = it
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if name.eq_ignore_ascii_case(coding) {
            return q;
        }
        if name == "*" {
            star = Some(q);
        }
    }
    match star {
        Some(q) => q,
        None if coding == "identity" => 1.0,
        None => 0.0,
    }
}

/// The coding to send: brotli, then gzip, when the client accepts them (ties go to brotli, the
/// smaller); identity otherwise.
pub fn choose(req: &HttpRequest) -> Coding {
    let accept = req
        .headers()
        .get_all(header::ACCEPT_ENCODING)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    if accept.is_empty() {
        return Coding::Identity;
    }
    let (br, gz) = (quality(&accept, "br"), quality(&accept, "gzip"));
    if br > 0.0 && br >= gz {
        Coding::Brotli
    } else if gz > 0.0 {
        Coding::Gzip
    } else {
        Coding::Identity
    }
}

/// A 64-bit hash of a body and its media type, the same in every process and on every machine.
pub fn content_hash(content_type: &str, body: &[u8]) -> u64 {
    let mut h = twox_hash::XxHash3_64::with_seed(0);
    std::hash::Hasher::write(&mut h, content_type.as_bytes());
    std::hash::Hasher::write(&mut h, &[0]);
    std::hash::Hasher::write(&mut h, body);
    std::hash::Hasher::finish(&h)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn pick(accept: &str) -> Coding {
        choose(
            &TestRequest::default()
                .insert_header((header::ACCEPT_ENCODING, accept))
                .to_http_request(),
        )
    }

    #[test]
    fn accept_encoding_picks_the_best_coding() {
        assert_eq!(pick("gzip, deflate, br"), Coding::Brotli);
        assert_eq!(pick("gzip, deflate"), Coding::Gzip);
        assert_eq!(pick("br;q=0.5, gzip"), Coding::Gzip);
        assert_eq!(pick("br;q=0, gzip;q=0"), Coding::Identity);
        assert_eq!(pick("*"), Coding::Brotli);
        assert_eq!(pick("identity"), Coding::Identity);
        assert_eq!(
            choose(&TestRequest::default().to_http_request()),
            Coding::Identity
        );
    }

    #[test]
    fn compressed_bodies_are_deterministic_and_round_trip() {
        let body = "{\"type\":\"FeatureCollection\",\"features\":[]}".repeat(100);
        for c in [Coding::Gzip, Coding::Brotli] {
            let a = c.compress(body.as_bytes());
            assert_eq!(a, c.compress(body.as_bytes()), "{c:?} is deterministic");
            assert!(a.len() < body.len() / 4, "{c:?} compresses");
        }
        let mut out = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::GzDecoder::new(&Coding::Gzip.compress(body.as_bytes())[..]),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, body);
        let mut out = Vec::new();
        brotli::BrotliDecompress(&mut &Coding::Brotli.compress(body.as_bytes())[..], &mut out)
            .unwrap();
        assert_eq!(out, body.as_bytes());
    }
}
