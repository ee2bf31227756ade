//! Keys of collection items: the runtime's [`Key`](graph_phone_runtime::Key) and its check
//! ([`graph_phone_runtime::checked_key`]), which every generated client shares.

pub(crate) use graph_phone_runtime::checked_key as checked;
