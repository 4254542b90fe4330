
(() => {
  const live = () => document.querySelector("main [data-live]");
  const every = () => Number(live()?.getAttribute("data-live")) * 1000 || 3000;
  async function tick() {
    if (!live()) return;
    try {
      const answer = await fetch(location.href, { credentials: "same-origin", cache: "no-store", headers: { "x-dashboard-refresh": "1" } });
      if (answer.redirected || answer.status === 401) { location.reload(); return; }
      if (answer.ok) {
        const next = new DOMParser().parseFromString(await answer.text(), "text/html").querySelector("main");
        const current = document.querySelector("main");
        if (next && current) current.replaceWith(next);
      }
    } catch (error) {
      // a missed refresh is retried on the next tick
    }
    if (live()) setTimeout(tick, every());
  }
  if (live()) setTimeout(tick, every());
})();
