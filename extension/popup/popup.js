// Popup: asks the service worker (which owns the SDK) for the backend's health.
const backend = document.getElementById("backend");
chrome.runtime.sendMessage({ type: "health" }).then((reply) => {
  if (reply?.ok) {
    const { health } = reply;
    backend.textContent = `${health.status} (database ${health.database}, ${health.environment} v${health.version})`;
    backend.className = health.status === "ok" ? "ok" : "error";
  } else {
    backend.textContent = `unreachable: ${reply?.error ?? "no answer"}`;
    backend.className = "error";
  }
});
