/* Evidencija: the staff application's one script (built into evid).
 * Everything here is an aid: every action works without it. */
(function () {
	'use strict';

	function pad(n) { return n < 10 ? '0' + n : '' + n; }
	function hms(s) {
		if (s < 0) s = 0;
		var h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
		return h + ':' + pad(m) + ':' + pad(s % 60);
	}

	/* The ticking stopwatches: .elapsed with data-started (and the server's
	 * data-now, so a wrong clock on this computer does not matter). */
	function tick() {
		var els = document.querySelectorAll('.elapsed[data-started]');
		for (var i = 0; i < els.length; i++) {
			var el = els[i];
			var started = +el.getAttribute('data-started');
			var now = +el.getAttribute('data-now') || Math.floor(Date.now() / 1000);
			if (!el._offset) el._offset = now - Math.floor(Date.now() / 1000) || 0.0001;
			el.textContent = hms(Math.floor(Date.now() / 1000) + Math.round(el._offset) - started);
		}
	}

	/* Submit a form when one of its [data-autosubmit] fields changes. */
	function autosubmit() {
		document.addEventListener('change', function (e) {
			var t = e.target;
			if (t && t.form && t.form.hasAttribute('data-autosubmit')) t.form.requestSubmit ? t.form.requestSubmit() : t.form.submit();
		});
	}

	/* Keyboard: g q queue, n new ticket, / search, r reply, s stopwatch. */
	function keys() {
		var last = '', lastAt = 0;
		document.addEventListener('keydown', function (e) {
			var t = e.target, tag = t && t.tagName;
			if (e.ctrlKey || e.metaKey || e.altKey) return;
			if (tag === 'INPUT' || tag === 'TEXTAREA' || tag === 'SELECT' || (t && t.isContentEditable)) return;
			var k = e.key, seq = (Date.now() - lastAt < 1000 ? last : '') + k;
			last = k; lastAt = Date.now();
			var el;
			if (seq === 'gq') { location.href = '/tickets'; }
			else if (k === 'n') { location.href = '/tickets/new'; }
			else if (k === '/') { el = document.getElementById('search'); if (el) { e.preventDefault(); el.focus(); } }
			else if (k === 'r') { el = document.querySelector('#reply textarea'); if (el) { e.preventDefault(); el.focus(); } }
			else if (k === 's') {
				el = document.getElementById('timer-stop') || document.getElementById('timer-start');
				if (el) { e.preventDefault(); el.click(); }
			}
		});
	}

	/* Type-to-find over a <select data-find="/api/v1/clients?q="> : an input
	 * above the select that refills its options from the API. */
	function finders() {
		var sels = document.querySelectorAll('select[data-find]');
		Array.prototype.forEach.call(sels, function (sel) {
			var input = document.createElement('input');
			input.type = 'search';
			input.setAttribute('aria-label', sel.getAttribute('data-find-label') || 'find');
			input.placeholder = sel.getAttribute('data-find-label') || '';
			input.className = 'finder';
			sel.parentNode.insertBefore(input, sel);
			var timer = null;
			input.addEventListener('input', function () {
				clearTimeout(timer);
				timer = setTimeout(function () {
					var url = sel.getAttribute('data-find');
					var dep = sel.getAttribute('data-find-client');
					if (dep) {
						var c = document.querySelector(dep);
						if (c && c.value) url += 'client_id=' + encodeURIComponent(c.value) + '&';
					}
					url += 'q=' + encodeURIComponent(input.value) + '&per_page=20';
					fetch(url, { credentials: 'same-origin', headers: { 'X-Requested-With': 'evid' } })
						.then(function (r) { return r.ok ? r.json() : null; })
						.then(function (j) {
							if (!j) return;
							var items = j.clients || j.contacts || j.items || [];
							var keep = sel.querySelector('option[value=""]');
							sel.textContent = '';
							if (keep) sel.appendChild(keep);
							items.forEach(function (it) {
								var o = document.createElement('option');
								o.value = it.id;
								o.textContent = it.name + (it.email ? ' <' + it.email + '>' : '');
								sel.appendChild(o);
							});
							if (items.length) { sel.value = items[0].id; sel.dispatchEvent(new Event('change', { bubbles: true })); }
						});
				}, 200);
			});
		});
	}

	document.addEventListener('DOMContentLoaded', function () {
		tick();
		setInterval(tick, 1000);
		autosubmit();
		keys();
		finders();
	});
})();
