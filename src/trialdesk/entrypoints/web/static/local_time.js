// Times are stored and sent in UTC; show each <time datetime> in the reader's local time with
// its UTC offset, keeping the UTC value in the tooltip.
(function () {
  "use strict";
  function pad(n) { return String(Math.abs(n)).padStart(2, "0"); }
  document.querySelectorAll("time[datetime]").forEach((el) => {
    const when = new Date(el.getAttribute("datetime"));
    if (Number.isNaN(when.getTime())) return;
    const offset = -when.getTimezoneOffset();
    const sign = offset >= 0 ? "+" : "-";
    const local = `${when.getFullYear()}-${pad(when.getMonth() + 1)}-${pad(when.getDate())} ` +
      `${pad(when.getHours())}:${pad(when.getMinutes())}:${pad(when.getSeconds())} ` +
      `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`;
    el.title = el.getAttribute("datetime") + " (UTC)";
    el.textContent = local;
  });
})();
