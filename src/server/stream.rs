//! Streaming between blocking work and the network: a response body fed by a `Write` running
//! on the blocking pool, and a `Read` fed by the request body. Both go through bounded
//! channels, so memory stays flat whatever the size: a slow client slows the writer down, a
//! slow writer stops reading the upload. Imports no API part.

use std::io::{self, Read, Write};
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use tokio::sync::mpsc;

/// Bytes gathered before a chunk is handed to the network.
const CHUNK: usize = 64 * 1024;
/// Chunks in flight between the producer and the network.
const DEPTH: usize = 16;

/// The writing end of a [`ChannelBody`]: buffers, then hands full chunks over (blocking while
/// the client is behind). A write after the client went away fails with `BrokenPipe`.
pub struct ChannelWriter {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }

    /// Ends the body with an error: the client sees the transfer cut short instead of a body
    /// that looks complete.
    pub fn fail(mut self, e: io::Error) {
        self.buf.clear();
        let _ = self.tx.blocking_send(Err(e));
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

impl Drop for ChannelWriter {
    fn drop(&mut self) {
        let _ = self.send();
    }
}

type Producer = Box<dyn FnOnce(ChannelWriter) + Send>;

/// A response body written by a function on the blocking pool. The function starts when the
/// body is first polled, so a 304 or a HEAD answer never runs it.
pub struct ChannelBody {
    start: Option<(Producer, mpsc::Sender<io::Result<Bytes>>)>,
    rx: mpsc::Receiver<io::Result<Bytes>>,
}

impl ChannelBody {
    /// A body that `produce` writes. Errors it returns cut the body short (and are logged).
    pub fn new<F>(produce: F) -> ChannelBody
    where
        F: FnOnce(&mut ChannelWriter) -> Result<(), Box<dyn std::error::Error + Send + Sync>>
            + Send
            + 'static,
    {
        let (tx, rx) = mpsc::channel(DEPTH);
        let producer: Producer = Box::new(move |mut w: ChannelWriter| match produce(&mut w) {
            Ok(()) => {
                let _ = w.flush();
            }
            Err(e) => {
                tracing::error!("streamed response failed: {e}");
                w.fail(io::Error::other(e.to_string()));
            }
        });
        ChannelBody {
            start: Some((producer, tx)),
            rx,
        }
    }

    /// A body fed by an already running producer holding `writer`'s sender.
    pub fn channel() -> (ChannelWriter, ChannelBody) {
        let (tx, rx) = mpsc::channel(DEPTH);
        (
            ChannelWriter {
                tx,
                buf: Vec::with_capacity(CHUNK),
            },
            ChannelBody { start: None, rx },
        )
    }
}

impl MessageBody for ChannelBody {
    type Error = io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, io::Error>>> {
        if let Some((produce, tx)) = self.start.take() {
            let w = ChannelWriter {
                tx,
                buf: Vec::with_capacity(CHUNK),
            };
            actix_web::rt::task::spawn_blocking(move || produce(w));
        }
        self.rx.poll_recv(cx)
    }
}

/// The reading end of a request body pumped into a channel (see [`pump`]).
pub struct ChannelReader {
    rx: mpsc::Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() {
            match self.rx.blocking_recv() {
                None => return Ok(0),
                Some(Err(e)) => return Err(e),
                Some(Ok(b)) => self.current = b,
            }
        }
        let n = out.len().min(self.current.len());
        out[..n].copy_from_slice(&self.current[..n]);
        let _ = self.current.split_to(n);
        Ok(n)
    }
}

/// An upload bigger than allowed, found while reading it.
#[derive(Debug, thiserror::Error)]
#[error("the request body exceeds the limit of {limit} bytes")]
pub struct TooLarge {
    pub limit: u64,
}

/// Reads the request body on the worker into a channel that a [`ChannelReader`] drains on the
/// blocking pool; more than `limit` bytes end the body with a [`TooLarge`] error.
pub fn pump(mut payload: actix_web::web::Payload, limit: u64) -> ChannelReader {
    use futures_util::StreamExt;
    let (tx, rx) = mpsc::channel(DEPTH);
    actix_web::rt::spawn(async move {
        let mut seen: u64 = 0;
        while let Some(chunk) = payload.next().await {
            let item = match chunk {
                Ok(b) => {
                    seen += b.len() as u64;
                    if seen > limit {
                        let _ = tx
                            .send(Err(io::Error::new(
                                io::ErrorKind::InvalidData,
                                TooLarge { limit },
                            )))
                            .await;
                        return;
                    }
                    Ok(b)
                }
                Err(e) => Err(io::Error::other(format!(
                    "reading the request body failed: {e}"
                ))),
            };
            let stop = item.is_err();
            if tx.send(item).await.is_err() || stop {
                return;
            }
        }
    });
    ChannelReader {
        rx,
        current: Bytes::new(),
    }
}
