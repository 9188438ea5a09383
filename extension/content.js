// @ts-check
// WorkTime content script for github.com: tells the service worker which page is open, on
// load and after every client-side navigation (GitHub moves between a PR's conversation,
// files, commits and checks, and between PRs, without reloading the page).
let reported = null;

function report() {
  if (location.href === reported) return;
  reported = location.href;
  chrome.runtime.sendMessage({ type: "page", url: reported }).catch(() => {
    reported = null; // the service worker was starting; try again on the next check
  });
}

report();
for (const event of ["turbo:load", "turbo:render", "pjax:end"]) document.addEventListener(event, report);
window.addEventListener("popstate", report);
// Navigations that fire no event we can see from the isolated world.
setInterval(report, 1000);
