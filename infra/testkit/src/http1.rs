//! The server side of HTTP/1.1, just enough for stubs on 127.0.0.1 that real clients talk to: the
//! Lambda runtime client of a function binary ([`crate::runtime`]) and the AWS SDK or a price
//! provider client in the tests. Keep-alive is supported; bodies come with `content-length` or
//! chunked.

use std::fmt::Write as _;

use lambda_http::http::StatusCode;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// One request as read off the connection.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target as sent, query included.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Read one request; `None` at the end of the stream.
pub async fn read_request<R: AsyncRead + Unpin>(
    r: &mut BufReader<R>,
) -> std::io::Result<Option<Request>> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).await? == 0 {
            return Ok(None);
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut req = Request {
        method,
        path,
        headers,
        body: Vec::new(),
    };
    if req
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        loop {
            let mut size = String::new();
            r.read_line(&mut size).await?;
            let size = size.trim().split(';').next().unwrap_or_default();
            let n = usize::from_str_radix(size, 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            r.read_exact(&mut chunk).await?;
            if n == 0 {
                break;
            }
            req.body.extend_from_slice(&chunk[..n]);
        }
    } else if let Some(n) = req
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        req.body.resize(n, 0);
        r.read_exact(&mut req.body).await?;
    }
    Ok(Some(req))
}

/// Write one response with a `content-length` and the given headers.
pub async fn write_response<W: AsyncWrite + Unpin>(
    w: &mut W,
    status: u16,
    headers: &[(&str, String)],
    body: &[u8],
) -> std::io::Result<()> {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Status");
    let mut head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(head, "{k}: {v}\r\n");
    }
    head.push_str("\r\n");
    w.write_all(head.as_bytes()).await?;
    w.write_all(body).await?;
    w.flush().await
}

/// Secrets Manager's side of a test's request: signed with these credentials for us-east-1 and
/// `secretsmanager` (AWS Signature Version 4, checked with `shared::aws_sigv4`), over at least
/// `must_sign`. `Ok` gives the signed header names.
pub fn check_secrets_manager_signature(
    req: &Request,
    access_key_id: &str,
    secret_access_key: &str,
    must_sign: &[&str],
) -> Result<Vec<String>, String> {
    let expected = shared::aws_sigv4::Signer {
        access_key_id,
        secret_access_key,
        region: "us-east-1",
        service: "secretsmanager",
    };
    let signed = shared::aws_sigv4::verify_received(
        &req.method,
        &req.path,
        &req.headers,
        &req.body,
        &expected,
    )?;
    for must in must_sign {
        if !signed.iter().any(|s| s == must) {
            return Err(format!("{must} is not signed"));
        }
    }
    Ok(signed)
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn parse(raw: &[u8]) -> Vec<Request> {
        let mut r = BufReader::new(raw);
        let mut out = Vec::new();
        while let Some(req) = read_request(&mut r).await.unwrap() {
            out.push(req);
        }
        out
    }

    #[tokio::test]
    async fn reads_length_and_chunked_bodies_on_one_connection() {
        let reqs = parse(
            b"POST /a?x=1 HTTP/1.1\r\nContent-Length: 3\r\nX-Amz-Target: t\r\n\r\nabc\
              POST /b HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n2\r\nhe\r\n3;ext=1\r\nllo\r\n0\r\n\r\n\
              GET /c HTTP/1.1\r\n\r\n",
        )
        .await;
        assert_eq!(reqs.len(), 3);
        assert_eq!(
            (reqs[0].method.as_str(), reqs[0].path.as_str()),
            ("POST", "/a?x=1")
        );
        assert_eq!(reqs[0].header("x-amz-target"), Some("t"));
        assert_eq!(reqs[0].body, b"abc");
        assert_eq!(reqs[1].body, b"hello");
        assert_eq!((reqs[2].path.as_str(), reqs[2].body.len()), ("/c", 0));
    }

    #[tokio::test]
    async fn writes_status_line_length_and_headers() {
        let mut out = Vec::new();
        write_response(
            &mut out,
            202,
            &[("content-type", "application/json".into())],
            b"{}",
        )
        .await
        .unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}"
        );
    }
}
