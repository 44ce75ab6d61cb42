"""Alert rules as the config file states them: good ones load with their parsed values, bad ones
stop the start with a message that names the rule, the setting and what to write instead."""

from __future__ import annotations

from pathlib import Path

import pytest

from trigger_tui.config import ConfigError, load
from trigger_tui.rules import Alerting, Rule, demo_rules, parse_duration, parse_percent


def _load_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    path.chmod(0o600)
    with pytest.raises(ConfigError) as caught:
        load(path)
    return str(caught.value)


def test_a_good_file_loads_with_parsed_values(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[alerting]\nbell = true\nwebhook = "https://hooks.example.com/t"\n'
        "webhook_timeout_s = 0.5\n\n"
        '[[alerts]]\nname = "checkout failing"\nwhen = "failure_rate"\nabove = "5%"\n'
        'over = "10m"\ntask = "charge-card"\nmin_runs = 3\nenvironments = ["production"]\n\n'
        '[[alerts]]\nname = "stuck"\nwhen = "queue_wait"\nabove = "90s"\n\n'
        '[[alerts]]\nname = "crashes"\nwhen = "status"\nstatuses = ["crashed", "system failure"]\n'
    )
    path.chmod(0o600)
    settings = load(path).settings
    rate, stuck, crashes = settings.alerts
    assert (rate.threshold, rate.window_s, rate.min_runs) == (0.05, 600.0, 3)
    assert rate.environments == ("prod",) and rate.applies_to("prod")
    assert not rate.applies_to("stg")
    assert rate.describe() == "failure rate of task charge-card above 5% over 10m"
    assert stuck.threshold == 90.0 and stuck.describe() == "oldest wait in any queue above 90s"
    assert crashes.statuses == ("CRASHED", "SYSTEM_FAILURE") and crashes.window_s == 900.0
    assert settings.alerting == Alerting(bell=True, webhook="https://hooks.example.com/t",
                                         webhook_timeout_s=0.5)


RULE = '[[alerts]]\nname = "checkout failing"\n'


@pytest.mark.parametrize(("text", "expected"), [
    (RULE + 'when = "latency"\n',
     "rule 'checkout failing': unknown `when` 'latency': write one of "
     "failure_rate, queue_wait, status, no_completions, connection"),
    (RULE + 'when = "failure_rate"\nover = "10m"\n',
     "rule 'checkout failing' (failure_rate) needs `above`, e.g. above = '5%'"),
    (RULE + 'when = "failure_rate"\nabove = "5%"\n',
     "rule 'checkout failing' (failure_rate) needs `over`, e.g. over = '10m'"),
    (RULE + 'when = "failure_rate"\nabove = "5"\nover = "10m"\n',
     "rule 'checkout failing': above = '5': '5' without '%' is a fraction, 500%: write '5%' "
     "for 5 percent, or a fraction between 0 and 1 such as 0.05"),
    (RULE + 'when = "failure_rate"\nabove = "120%"\nover = "10m"\n',
     "rule 'checkout failing': above = '120%': '120%' is outside 0–100 %"),
    (RULE + 'when = "failure_rate"\nabove = "many"\nover = "10m"\n',
     "above = 'many': 'many' is not a percentage: use e.g. '5%' or 0.05"),
    (RULE + 'when = "no_completions"\nover = "10 minutes"\n',
     "rule 'checkout failing': over = '10 minutes': '10 minutes' is not a duration: use e.g. "
     "'90s', '10m' or '2h'"),
    (RULE + 'when = "queue_wait"\nabove = "0s"\n',
     "rule 'checkout failing': above = '0s': a duration must be greater than zero"),
    (RULE + 'when = "no_completions"\nover = "2d"\n', "`over` is at most 24h"),
    (RULE + 'when = "status"\nabove = "5m"\n', "rule 'checkout failing' (status) takes no `above`"),
    (RULE + 'when = "queue_wait"\nabove = "5m"\nover = "10m"\n',
     "(queue_wait) takes no `over`: `above` is how long the oldest run may wait"),
    (RULE + 'when = "status"\ntask = "x"\n', "`task` applies to failure_rate rules only"),
    (RULE + 'when = "status"\nmin_runs = 3\n', "`min_runs` applies to failure_rate rules only"),
    (RULE + 'when = "connection"\nover = "2m"\nstatuses = ["CRASHED"]\n',
     "`statuses` applies to status rules only"),
    (RULE + 'when = "status"\nstatuses = ["QUEUED"]\n', "unknown run status 'QUEUED'"),
    (RULE + 'when = "connection"\nover = "2m"\nenvironments = ["qa"]\n',
     "unknown environment 'qa'"),
    (RULE + 'when = "connection"\nover = "2m"\nthreshhold = 3\n',
     "threshhold: unknown setting (a typo?)"),
    (RULE + 'when = "connection"\nover = "2m"\n' + RULE + 'when = "status"\n',
     "two alert rules are named 'checkout failing' (the 1st and the 2nd [[alerts]] table): "
     "names must differ"),
    ('[alerting]\nwebhook = "hooks.example.com/x"\n',
     "line 2: alerting.webhook: webhook 'hooks.example.com/x' is not a URL: write it in full, "
     "e.g. 'https://hooks.example.com/trigger-tui'"),
    ('[alerting]\nwebhook = "https://"\n', "webhook 'https://' is not a URL"),
    ('[alerting]\nwebhook = "ftp://example.com/x"\n', "webhook 'ftp://example.com/x' is not"),
    ('[alerting]\nwebhook_timeout_s = 0\n', "alerting.webhook_timeout_s: Input should be greater"),
    ('[alerting]\npager = true\n', "alerting.pager: unknown setting (a typo?)"),
])
def test_a_bad_rule_is_refused_with_a_message_to_act_on(tmp_path: Path, text: str,
                                                        expected: str) -> None:
    message = _load_error(tmp_path, text)
    assert message.startswith(f"broken config file {tmp_path / 'config.toml'}")
    assert expected in message


def test_the_second_rule_is_named_in_its_error(tmp_path: Path) -> None:
    message = _load_error(tmp_path, RULE + 'when = "connection"\nover = "2m"\n\n'
                          '[[alerts]]\nname = "queue stuck"\nwhen = "queue_wait"\n')
    assert "rule 'queue stuck' (queue_wait) needs `above`, e.g. above = '5m'" in message


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90.0), ("10m", 600.0), ("2h", 7200.0), ("1d", 86400.0), (" 15 min ", 900.0),
    (45, 45.0), (0.5, 0.5), ("2.5m", 150.0)])
def test_durations(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "fraction"), [
    ("5%", 0.05), (0.05, 0.05), ("0.05", 0.05), ("100%", 1.0), (0, 0.0), ("12.5 %", 0.125)])
def test_percentages(text: str | float, fraction: float) -> None:
    assert parse_percent(text) == pytest.approx(fraction)


@pytest.mark.parametrize("value", [True, "5 percent", -0.1, "101%"])
def test_bad_percentages(value: str | float) -> None:
    with pytest.raises(ValueError):
        parse_percent(value)


def test_the_demo_rules_are_valid_and_distinct() -> None:
    rules = demo_rules()
    assert len({r.name for r in rules}) == len(rules)
    assert {r.when for r in rules} == {"failure_rate", "queue_wait", "status",
                                       "no_completions", "connection"}
    assert Rule(name="x", when="connection", over="2m").describe() == "the API failing for 2m"
