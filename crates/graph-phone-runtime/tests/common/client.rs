//! A client shaped exactly like progenitor 0.15's generated `Client` (inner type =
//! GraphRuntime, hooks delegating to the runtime), with operation bodies copied from
//! progenitor's generated code.

use graph_phone_runtime::GraphRuntime;
use graph_phone_runtime::progenitor_client::{
    self, ClientHooks, ClientInfo, OperationInfo, ResponseValue, encode_path,
};
use serde::Deserialize;

use super::{ENABLE_SMS, GET};

#[derive(Clone, Debug)]
pub struct Client {
    baseurl: String,
    client: reqwest::Client,
    inner: GraphRuntime,
}

impl Client {
    fn new_with_client(baseurl: &str, client: reqwest::Client, inner: GraphRuntime) -> Self {
        Self {
            baseurl: baseurl.to_string(),
            client,
            inner,
        }
    }
}

impl ClientInfo<GraphRuntime> for Client {
    fn api_version() -> &'static str {
        "v1.0"
    }
    fn baseurl(&self) -> &str {
        self.baseurl.as_str()
    }
    fn client(&self) -> &reqwest::Client {
        &self.client
    }
    fn inner(&self) -> &GraphRuntime {
        &self.inner
    }
}

// What the client engineer writes (hooks for `Client`, not `&Client`).
impl ClientHooks<GraphRuntime> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), progenitor_client::Error<E>> {
        self.inner.pre_hook(request, info).await
    }
    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner.exec_hook(request, info).await
    }
}

#[derive(Debug, Deserialize)]
pub struct ODataError {
    #[allow(dead_code)]
    error: serde_json::Value,
}

#[derive(Debug, Deserialize)]
pub struct Method {
    pub id: String,
}

impl Client {
    /// Mirrors progenitor 0.15's generated body for a GET with a typed 4XX/5XX error.
    pub async fn get_phone_method<'a>(
        &'a self,
        user_id: &'a str,
        method_id: &'a str,
    ) -> Result<ResponseValue<Method>, progenitor_client::Error<ODataError>> {
        let url = format!(
            "{}/users/{}/authentication/phoneMethods/{}",
            self.baseurl,
            encode_path(user_id),
            encode_path(method_id),
        );
        let mut header_map = reqwest::header::HeaderMap::with_capacity(1usize);
        header_map.append(
            reqwest::header::HeaderName::from_static("api-version"),
            reqwest::header::HeaderValue::from_static(Self::api_version()),
        );
        #[allow(unused_mut)]
        let mut request = self
            .client
            .get(url)
            .header(
                reqwest::header::ACCEPT,
                reqwest::header::HeaderValue::from_static("application/json"),
            )
            .headers(header_map)
            .build()?;
        let info = OperationInfo { operation_id: GET };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            200u16 => ResponseValue::from_response(response).await,
            400u16..=499u16 => Err(progenitor_client::Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            500u16..=599u16 => Err(progenitor_client::Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            _ => Err(progenitor_client::Error::UnexpectedResponse(response)),
        }
    }

    /// Mirrors a generated action with no body and a 204.
    pub async fn enable_sms<'a>(
        &'a self,
        user_id: &'a str,
        method_id: &'a str,
    ) -> Result<ResponseValue<()>, progenitor_client::Error<ODataError>> {
        let url = format!(
            "{}/users/{}/authentication/phoneMethods/{}/enableSmsSignIn",
            self.baseurl,
            encode_path(user_id),
            encode_path(method_id),
        );
        let mut request = self.client.post(url).build()?;
        let info = OperationInfo {
            operation_id: ENABLE_SMS,
        };
        self.pre(&mut request, &info).await?;
        let result = self.exec(request, &info).await;
        self.post(&result, &info).await?;
        let response = result?;
        match response.status().as_u16() {
            204u16 => Ok(ResponseValue::empty(response)),
            400u16..=599u16 => Err(progenitor_client::Error::ErrorResponse(
                ResponseValue::from_response(response).await?,
            )),
            _ => Err(progenitor_client::Error::UnexpectedResponse(response)),
        }
    }
}

pub fn client_for(rt: &GraphRuntime) -> Client {
    Client::new_with_client(rt.base_url(), rt.http_client().clone(), rt.clone())
}
