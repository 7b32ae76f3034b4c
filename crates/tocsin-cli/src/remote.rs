//! A running Tocsin server, for the commands an officer runs against one
//! (`tocsin screen`, `tocsin hits`): `--server URL --token SECRET`, or
//! `TOCSIN_SERVER` and `TOCSIN_TOKEN`.

use anyhow::Context;
use serde_json::Value;

/// Where a command's answer comes from: a server, or this machine's store
/// acting for an agency.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct Connection {
    /// A running Tocsin server to ask (`https://tocsin.example:8080`);
    /// without it, the command runs in process on the store, as `--as`.
    #[arg(long, env = "TOCSIN_SERVER", value_name = "URL")]
    pub(crate) server: Option<String>,
    /// The API token to present to `--server`.
    #[arg(long, env = "TOCSIN_TOKEN", hide_env_values = true, requires = "server")]
    pub(crate) token: Option<String>,
    /// In process, without `--server`: the registered agency whose view
    /// to use (the token names it on a server).
    #[arg(long = "as", value_name = "CODE", conflicts_with = "server", required_unless_present = "server")]
    pub(crate) agency: Option<String>,
}

/// A running server, for commands that only run on one (biometric search
/// runs where the galleries are, infrastructure analysis where the graph
/// is).
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct Server {
    /// The Tocsin server (`https://tocsin.example:8080`).
    #[arg(long, env = "TOCSIN_SERVER", value_name = "URL")]
    server: String,
    /// The API token to present.
    #[arg(long, env = "TOCSIN_TOKEN", hide_env_values = true)]
    token: String,
}

impl Server {
    /// The server to ask.
    pub(crate) fn remote(&self) -> anyhow::Result<Remote> {
        let connection =
            Connection { server: Some(self.server.clone()), token: Some(self.token.clone()), agency: None };
        Remote::from(&connection)?.context("--server is required")
    }
}

/// A server and the token to present to it.
pub(crate) struct Remote {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Remote {
    /// The server `connection` names, if it names one.
    pub(crate) fn from(connection: &Connection) -> anyhow::Result<Option<Remote>> {
        let Some(server) = &connection.server else { return Ok(None) };
        let Some(token) = connection.token.clone() else {
            anyhow::bail!("--server needs --token (or TOCSIN_TOKEN): the API token to present");
        };
        let base = server.trim_end_matches('/').to_owned();
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            anyhow::bail!("--server: `{server}` is not an http:// or https:// URL");
        }
        let client = reqwest::Client::builder().user_agent(concat!("tocsin/", env!("CARGO_PKG_VERSION"))).build()?;
        Ok(Some(Remote { base, token, client }))
    }

    /// `GET path`.
    pub(crate) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.client.get(format!("{}{path}", self.base))).await
    }

    /// `GET path`, asking for `accept`.
    pub(crate) async fn get_as(&self, path: &str, accept: &str) -> anyhow::Result<Value> {
        self.send(self.client.get(format!("{}{path}", self.base)).header(reqwest::header::ACCEPT, accept)).await
    }

    /// `POST path` with a JSON body.
    pub(crate) async fn post_json(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(self.client.post(format!("{}{path}", self.base)).json(body)).await
    }

    /// `POST path` with a body of the given type (none: the server detects it).
    pub(crate) async fn post_bytes(
        &self,
        path: &str,
        body: Vec<u8>,
        content_type: Option<&str>,
    ) -> anyhow::Result<Value> {
        let mut request = self.client.post(format!("{}{path}", self.base)).body(body);
        if let Some(ct) = content_type {
            request = request.header(reqwest::header::CONTENT_TYPE, ct);
        }
        self.send(request).await
    }

    /// `POST path` with a body of `content_type`, asking for `accept`.
    pub(crate) async fn post_as(
        &self,
        path: &str,
        body: Vec<u8>,
        content_type: &str,
        accept: &str,
    ) -> anyhow::Result<Value> {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(reqwest::header::ACCEPT, accept)
            .body(body);
        self.send(request).await
    }

    /// `GET path`, the answer's bytes (a file the server writes).
    pub(crate) async fn get_bytes(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("reaching the server at {}", self.base))?;
        let status = response.status();
        let bytes = response.bytes().await.context("reading the server's answer")?;
        if !status.is_success() {
            let value: Value = serde_json::from_slice(&bytes).unwrap_or_default();
            let message = value["error"]["message"].as_str().unwrap_or("no message");
            anyhow::bail!("the server answered {status}: {message}");
        }
        Ok(bytes.to_vec())
    }

    /// Sends a request and reads the JSON answer; an error answer becomes
    /// an error with the server's message.
    async fn send(&self, request: reqwest::RequestBuilder) -> anyhow::Result<Value> {
        let response = request
            .bearer_auth(&self.token)
            .send()
            .await
            .with_context(|| format!("reaching the server at {}", self.base))?;
        let status = response.status();
        let text = response.text().await.context("reading the server's answer")?;
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("the server answered {status} with text that is not JSON: {text:.200}"))?;
        if !status.is_success() {
            // The API's error envelope, or a TAXII error body.
            let message =
                value["error"]["message"].as_str().or_else(|| value["description"].as_str()).unwrap_or("no message");
            let code = value["error"]["code"].as_str().or_else(|| value["title"].as_str()).unwrap_or("error");
            anyhow::bail!("the server answered {status} ({code}): {message}");
        }
        Ok(value)
    }
}
