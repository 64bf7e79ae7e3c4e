//! Token-authenticated JSON requests to the REST v1 API of one server. A failure is a
//! [`RestError`] value: the transport's, or the server's answer with its status and code.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::client::{TlsError, Trust, api_base, tls};

#[derive(Debug, thiserror::Error)]
pub enum RestError {
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error(transparent)]
    Trust(#[from] TlsError),
    /// The server answered with an error status.
    #[error("{status}: {code}: {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
    },
}

/// The body of an error answer (`{"code": …, "message": …}`).
#[derive(serde::Deserialize)]
struct ApiError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// A REST client bound to one server and session token.
#[derive(Debug, Clone)]
pub struct RestClient {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl RestClient {
    /// `server` as the session was given it (`ws://…/ws`, `http://…`, `host:port`).
    pub fn new(http: reqwest::Client, server: &str, token: &str) -> RestClient {
        RestClient {
            http,
            base: api_base(server),
            token: token.to_owned(),
        }
    }

    /// An HTTP client with a whole-request timeout, to share between sessions; it trusts
    /// what the WebSocket does ([`tls::trust`]): the web roots and the CA file's.
    pub fn http_client(timeout: Duration) -> Result<reqwest::Client, RestError> {
        RestClient::http_client_trusting(timeout, &tls::trust()?)
    }

    /// Like [`http_client`](Self::http_client), trusting `trust`'s CA file besides the web
    /// roots.
    pub fn http_client_trusting(
        timeout: Duration,
        trust: &Trust,
    ) -> Result<reqwest::Client, RestError> {
        let mut builder = reqwest::Client::builder().timeout(timeout);
        for ca in trust.extra_cas() {
            builder = builder.add_root_certificate(reqwest::Certificate::from_der(ca)?);
        }
        Ok(builder.build()?)
    }

    /// Turns an error status into [`RestError::Api`], reading the error body when there is
    /// one (else the status's reason is the message).
    pub async fn check(resp: reqwest::Response) -> Result<reqwest::Response, RestError> {
        let status = resp.status();
        if status.is_success() {
            return Ok(resp);
        }
        let body: ApiError = resp.json().await.unwrap_or(ApiError {
            code: String::new(),
            message: status.canonical_reason().unwrap_or_default().to_owned(),
        });
        Err(RestError::Api {
            status: status.as_u16(),
            code: body.code,
            message: body.message,
        })
    }

    /// `GET` with the token, unchecked: the caller looks at the status itself.
    pub async fn get_response(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<reqwest::Response, RestError> {
        Ok(self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .query(query)
            .send()
            .await?)
    }

    /// `GET`, the answer as JSON.
    pub async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, RestError> {
        let resp = self.get_response(path, query).await?;
        Ok(Self::check(resp).await?.json().await?)
    }

    /// `GET`, the answer as text (CSV, plain-text digests).
    pub async fn get_text(&self, path: &str, query: &[(&str, &str)]) -> Result<String, RestError> {
        let resp = self.get_response(path, query).await?;
        Ok(Self::check(resp).await?.text().await?)
    }

    /// `POST` a JSON body, the answer as JSON.
    pub async fn post_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, RestError> {
        let resp = self.send_json(reqwest::Method::POST, path, body).await?;
        Ok(resp.json().await?)
    }

    /// `PUT` a JSON body, the answer as JSON.
    pub async fn put_json<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, RestError> {
        let resp = self.send_json(reqwest::Method::PUT, path, body).await?;
        Ok(resp.json().await?)
    }

    /// `POST` a JSON body; the answer's body is not read.
    pub async fn post<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> Result<(), RestError> {
        self.send_json(reqwest::Method::POST, path, body).await?;
        Ok(())
    }

    async fn send_json<B: Serialize + ?Sized>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &B,
    ) -> Result<reqwest::Response, RestError> {
        let resp = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        Self::check(resp).await
    }
}
