"""The analytics tab: YClients figures for the salon of the logged-in user.

Nothing is fetched until the tab is first shown. A load shows what the local cache already
holds for the period at once, then syncs with YClients (incrementally after the first time)
and redraws. Work runs in one exclusive worker group, so a new period or `r` replaces a
running sync; workers only post messages, tagged with a run number so a cancelled or replaced
run can never overwrite what a newer one shows.
"""

from __future__ import annotations

import asyncio
import importlib
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static
from textual.worker import Worker

from core.actions import bindings
from core.i18n import number, t
from services.bot_activity import BotActivityReader
from services.errors import ServiceError
from services.yclients.errors import YClientsError
from tabs.analytics_export import export_figures
from tabs.analytics_messages import (
    BotFailed,
    BotReady,
    ConfigChecked,
    Exported,
    FiguresReady,
    LoadFailed,
    Phase,
    SyncProgress,
)
from tabs.tab_view import TabView
from widgets.analytics_figures import AnalyticsFigures
from widgets.analytics_tables import AnalyticsTables
from widgets.bar_chart import DayChart, StaffChart
from widgets.bot_figures import BotFigures
from widgets.error_text import failure_text, sqlite_errors
from widgets.period_picker import Period, PeriodPicker
from widgets.timefmt import clock_time, zone

if TYPE_CHECKING:
    from services.tenant_yclients import Figures, NotConfigured, TenantYClients

# Switching back to the tab re-syncs only when the figures are older than this.
RESYNC_AFTER_SECONDS = 60.0


class AnalyticsTab(TabView):
    SCOPE = "analytics"
    BINDINGS = bindings("analytics")
    DEFAULT_CSS = """
    AnalyticsTab { height: 1fr; }
    AnalyticsTab #analytics-state { height: auto; padding: 0 1; color: $text-muted; }
    AnalyticsTab #analytics-state.-error { color: $error; }
    AnalyticsTab #analytics-body { height: 1fr; }
    AnalyticsTab #analytics-notice { height: auto; padding: 1 1; display: none; }
    AnalyticsTab.-not-configured #analytics-notice { display: block; }
    AnalyticsTab .figures { display: none; }
    AnalyticsTab.-has-figures .figures { display: block; }
    AnalyticsTab.-not-configured .figures { display: none; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.phase = Phase.idle
        self.figures: Figures | None = None
        self.from_cache = False
        self.progress: tuple[int, int] | None = None
        self.error = ""
        self._config: TenantYClients | None = None
        self._missing: NotConfigured | None = None
        self._synced_at: datetime | None = None
        self._synced_loop_time = 0.0
        self._run = 0
        self._started = False
        self.last_export: Path | None = None

    def compose(self) -> ComposeResult:
        yield PeriodPicker(self._today(), id="analytics-period")
        yield Static(t("analytics.state.idle"), id="analytics-state", markup=False)
        with VerticalScroll(id="analytics-body"):
            yield Static("", id="analytics-notice", markup=False)
            yield AnalyticsFigures(id="analytics-figures").add_class("figures")
            yield DayChart(id="analytics-day-chart").add_class("figures")
            yield StaffChart(id="analytics-staff-chart").add_class("figures")
            yield AnalyticsTables(id="analytics-tables").add_class("figures")
            # The bot's figures come from Supabase: shown with or without YClients.
            yield BotFigures(id="analytics-bot")

    def focus_main(self) -> None:
        self.query_one("#analytics-body", VerticalScroll).focus()

    @property
    def period(self) -> Period:
        return self.query_one(PeriodPicker).period

    # -- when to load -------------------------------------------------------------------------
    def on_show(self, event: events.Show) -> None:
        # Lazy: the first time the tab is on screen. Coming back later re-syncs stale figures.
        if not self._started:
            self._started = True
            self._start(sync=True)
        elif self.phase == Phase.ready and self._stale():
            self._start(sync=True)

    def _stale(self) -> bool:
        return asyncio.get_running_loop().time() - self._synced_loop_time > RESYNC_AFTER_SECONDS

    def action_next_period(self) -> None:
        self.query_one(PeriodPicker).cycle()
        self._period_changed()

    @on(PeriodPicker.Changed)
    def _picked(self, event: PeriodPicker.Changed) -> None:
        event.stop()
        self._period_changed()
        self.focus_main()

    @on(PeriodPicker.Left)
    def _left_dates(self, event: PeriodPicker.Left) -> None:
        event.stop()
        self.focus_main()

    def _period_changed(self) -> None:
        if self._started:
            self._start(sync=True)

    def action_sync(self) -> None:
        self._started = True
        if self.phase in {Phase.not_configured, Phase.failed}:
            self._config = None  # the salon's settings may have been fixed meanwhile
        self._start(sync=True)

    def action_cancel_sync(self) -> None:
        if self.phase not in {Phase.checking, Phase.syncing}:
            return
        self.workers.cancel_group(self, "analytics")
        self._run += 1  # whatever the cancelled run still posts is ignored
        self._set_phase(Phase.cancelled)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel_sync":
            return True if self.phase in {Phase.checking, Phase.syncing} else None
        if action == "export_csv":
            return True if self.figures is not None else None
        return True

    def _today(self) -> date:
        session = self.ctx.session
        tz = session.tenant_timezone if session else "UTC"
        return self.ctx.clock().astimezone(zone(tz)).date()

    def _start(self, *, sync: bool) -> None:
        self._run += 1
        self.query_one(PeriodPicker).set_today(self._today())
        period = self.period
        if self.figures is not None and (
            self.figures.report.period_from,
            self.figures.report.period_to,
        ) != (period.start, period.end):
            # Figures of another period must not stand under the new period's name.
            self.figures = None
        self.progress = None
        self._set_phase(Phase.checking if self._config is None else Phase.syncing)
        self._load(self._run, period.start, period.end, sync)
        self._load_bot(self._run, period.start, period.end, self._config)

    # -- the worker: no widget access, only messages --------------------------------------------
    @work(exclusive=True, group="analytics", exit_on_error=False)
    async def _load(self, run: int, start: date, end: date, sync: bool) -> None:
        ctx = self.ctx
        session, backend = ctx.session, ctx.backend
        if session is None or backend is None:
            return
        try:
            # YClients' side loads in a thread: a tab never opened never holds it (issue 16).
            await asyncio.to_thread(importlib.import_module, "services.tenant_yclients")
            from services.tenant_yclients import NotConfigured, TenantAnalytics
            from services.tenant_yclients import load_tenant_yclients as load_config

            config = self._config
            if config is None:
                found = await load_config(
                    backend,
                    session,
                    base_url=ctx.settings.yclients_base_url,
                    partner_token=ctx.settings.yclients_partner_token,
                )
                self.post_message(ConfigChecked(run, found))
                if isinstance(found, NotConfigured):
                    return
                config = found
            async with TenantAnalytics(
                config, ctx.settings.cache_dir, fallback_timezone=session.tenant_timezone
            ) as analytics:
                if await analytics.covers(start, end):
                    figures = await analytics.figures(start, end)
                    self.post_message(FiguresReady(run, figures, from_cache=True))
                if not sync:
                    return

                def progress(done: int, total: int) -> None:
                    self.post_message(SyncProgress(run, done, total))

                await analytics.sync(start, end, progress=progress)
                figures = await analytics.figures(start, end)
                self.post_message(FiguresReady(run, figures, from_cache=False))
        except YClientsError as exc:
            self.post_message(LoadFailed(run, "yclients", failure_text(exc)))
        except ServiceError as exc:
            self.post_message(LoadFailed(run, "backend", failure_text(exc)))
        except sqlite_errors(OSError, ValueError) as exc:
            self.post_message(LoadFailed(run, "cache", failure_text(exc)))

    # -- handlers: the only place widgets change ------------------------------------------------
    def on_config_checked(self, message: ConfigChecked) -> None:
        if message.run != self._run:
            return
        from services.tenant_yclients import NotConfigured  # loaded by the worker that posted

        if isinstance(message.result, NotConfigured):
            self._missing = message.result
            self.figures = None
            self._set_phase(Phase.not_configured)
        else:
            self._config = message.result
            self._missing = None
            self._set_phase(Phase.syncing)

    def on_figures_ready(self, message: FiguresReady) -> None:
        if message.run != self._run:
            return
        self.figures = message.figures
        self.from_cache = message.from_cache
        if not message.from_cache:
            self._synced_at = self.ctx.clock()
            self._synced_loop_time = asyncio.get_running_loop().time()
            self._set_phase(Phase.ready)
            # The records just synced are what the bot's bookings are matched against.
            report = message.figures.report
            self._load_bot(self._run, report.period_from, report.period_to, self._config)
        else:
            self._redraw()

    # -- the bot's section: its own worker, so YClients being slow or absent never holds it --
    @work(exclusive=True, group="analytics-bot", exit_on_error=False)
    async def _load_bot(
        self, run: int, start: date, end: date, config: TenantYClients | None
    ) -> None:
        ctx = self.ctx
        session, backend = ctx.session, ctx.backend
        if session is None or backend is None:
            return
        tz = zone(session.tenant_timezone)
        raw: list[str] = []
        try:
            if config is not None:  # then the worker that found it loaded the module
                from services.tenant_yclients import TenantAnalytics

                async with TenantAnalytics(config, ctx.settings.cache_dir) as analytics:
                    if await analytics.covers(start, end):
                        raw = await analytics.cache.load_raw(start, end)
            report = await BotActivityReader.for_session(backend, session).report(
                start, end, tz, yclients_raw=raw
            )
        except ServiceError as exc:
            self.post_message(BotFailed(run, str(exc)))
        except sqlite_errors(OSError, ValueError) as exc:
            self.post_message(BotFailed(run, str(exc)))
        else:
            self.post_message(BotReady(run, report, yclients=config is not None))

    def on_bot_ready(self, message: BotReady) -> None:
        if message.run != self._run:
            return
        self.query_one(BotFigures).show(message.report, yclients=message.yclients)

    def on_bot_failed(self, message: BotFailed) -> None:
        if message.run != self._run:
            return
        self.query_one(BotFigures).say(t("bot.failed", reason=message.reason))

    def on_sync_progress(self, message: SyncProgress) -> None:
        if message.run != self._run:
            return
        self.progress = (message.done, message.total)
        self._redraw_state()

    def worker_failed(self, worker: Worker[Any]) -> None:
        # tui/worker_failures.py: a sync that raised is a failed sync, not one running for ever.
        if worker.group == "analytics":
            self.error = t("worker.failed", what=t("worker.what.analytics"))
            self._set_phase(Phase.failed)
        elif worker.group == "analytics-bot":
            self.query_one(BotFigures).say(t("worker.failed", what=t("worker.what.analytics")))

    def on_load_failed(self, message: LoadFailed) -> None:
        if message.run != self._run:
            return
        kind, key = f"analytics.state.{message.kind}_error", self.key("analytics.sync")
        self.error = t(kind, reason=message.reason, key=key)
        self._set_phase(Phase.failed)

    def _set_phase(self, phase: Phase) -> None:
        self.phase = phase
        self.refresh_bindings()
        self._redraw()

    def _redraw(self) -> None:
        self.set_class(self.phase == Phase.not_configured, "-not-configured")
        self.set_class(self.figures is not None, "-has-figures")
        if self.phase == Phase.not_configured and self._missing is not None:
            lines = [t("analytics.not_configured.title"), ""]
            lines += [t(f"analytics.not_configured.{m.name}") for m in self._missing.missing]
            lines += ["", t("analytics.not_configured.retry", key=self.key("analytics.sync"))]
            self.query_one("#analytics-notice", Static).update("\n".join(lines))
        if self.figures is not None:
            report = self.figures.report
            self.query_one(AnalyticsFigures).show(report)
            self.query_one(DayChart).show(report.by_day)
            self.query_one(StaffChart).show(report.by_staff)
            self.query_one(AnalyticsTables).show(report)
        self._redraw_state()

    def _redraw_state(self) -> None:
        state = self.query_one("#analytics-state", Static)
        state.set_class(self.phase == Phase.failed, "-error")
        state.update(self.state_text())

    def state_text(self) -> str:
        phase, progress = self.phase, self.progress
        if phase == Phase.idle:
            return t("analytics.state.idle")
        if phase == Phase.checking:
            return t("analytics.state.checking")
        if phase == Phase.syncing:
            cached = self.figures is not None
            if progress is None:
                return t(
                    "analytics.state.cached" if cached else "analytics.state.loading",
                    key=self.key("analytics.cancel"),
                )
            key = "analytics.state.cached_progress" if cached else "analytics.state.syncing"
            done, total = number(progress[0]), number(progress[1])
            return t(key, done=done, total=total, key=self.key("analytics.cancel"))
        if phase == Phase.ready and self._synced_at is not None and self.figures is not None:
            session = self.ctx.session
            tz = session.tenant_timezone if session else "UTC"
            return t(
                "analytics.state.synced",
                time=clock_time(self._synced_at, tz),
                company=self.figures.company_id,
            )
        if phase == Phase.cancelled:
            return t("analytics.state.cancelled", key=self.key("analytics.sync"))
        if phase == Phase.failed:
            return self.error
        return ""

    # -- export -------------------------------------------------------------------------------
    def action_export_csv(self) -> None:
        if self.figures is None:
            self.notify(t("analytics.export.nothing"), severity="warning", markup=False)
            return
        self._export(self.figures, self._export_dir())

    def _export_dir(self) -> Path:
        base = self.ctx.data_dir
        return (base / "exports") if base is not None else Path.cwd()

    @work(group="analytics-export", exit_on_error=False)
    async def _export(self, figures: Figures, directory: Path) -> None:
        self.post_message(await export_figures(figures, directory))

    def on_exported(self, message: Exported) -> None:
        if message.path is None:
            text = t("analytics.export.failed", reason=message.reason)
            self.notify(text, severity="error", markup=False)
        else:
            self.last_export = message.path
            size = number(max(1, round(message.size / 1024)))
            if message.text is not None:
                self.app.copy_to_clipboard(message.text)
                text = t("analytics.export.copied", size=size, path=str(message.path))
                self.notify(text, markup=False, timeout=10)
            else:
                text = t("analytics.export.too_big", size=size, path=str(message.path))
                self.notify(text, severity="warning", markup=False, timeout=20)
