#include "top_view.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace sylctl {

namespace {

std::string fixed(double value, int decimals) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
  return buffer;
}

std::string cell(std::string text, std::size_t width, bool right = true) {
  if (text.size() > width) text = text.substr(0, width);
  const std::string pad(width - text.size(), ' ');
  return right ? pad + text : text + pad;
}

// "le=\"0.005\"" in a label text -> 0.005; +Inf -> infinity.
std::optional<double> le_of(std::string_view labels) {
  const auto at = labels.find("le=\"");
  if (at == std::string_view::npos) return std::nullopt;
  const auto begin = at + 4;
  const auto end = labels.find('"', begin);
  const std::string_view text = labels.substr(begin, end - begin);
  if (text == "+Inf") return INFINITY;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc()) return std::nullopt;
  return value;
}

// Whether a series' labels name an operational route (health, metrics).
bool is_operational(std::string_view labels) {
  return labels.find("route=\"/health") != std::string_view::npos ||
         labels.find("route=\"/metrics\"") != std::string_view::npos;
}

// The cumulative buckets of every series of `name`_bucket added up by bound.
std::map<double, double> buckets(const Sample& sample, const std::string& name, bool api_only) {
  std::map<double, double> out;
  const auto [first, last] = sample.by_name.equal_range(name + "_bucket");
  for (auto it = first; it != last; ++it) {
    if (api_only && is_operational(it->second.first)) continue;
    if (const auto le = le_of(it->second.first)) out[*le] += it->second.second;
  }
  return out;
}

double requests_where(const Sample& sample, bool api_only, bool errors_only) {
  double total = 0;
  const auto [first, last] = sample.by_name.equal_range("http_requests_total");
  for (auto it = first; it != last; ++it) {
    const std::string_view labels = it->second.first;
    if (api_only && is_operational(labels)) continue;
    if (errors_only && labels.find("status=\"5") == std::string_view::npos) continue;
    total += it->second.second;
  }
  return total;
}

}  // namespace

double Sample::sum(std::string_view name) const {
  double total = 0;
  const auto [first, last] = by_name.equal_range(std::string(name));
  for (auto it = first; it != last; ++it) total += it->second.second;
  return total;
}

double Sample::sum_where(std::string_view name, std::string_view label_fragment) const {
  double total = 0;
  const auto [first, last] = by_name.equal_range(std::string(name));
  for (auto it = first; it != last; ++it) {
    if (it->second.first.find(label_fragment) != std::string::npos) total += it->second.second;
  }
  return total;
}

Sample parse_metrics(std::string_view text) {
  Sample sample;
  while (!text.empty()) {
    const auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    std::string_view name, labels;
    std::string_view rest;
    if (const auto brace = line.find('{'); brace != std::string_view::npos) {
      const auto close = line.rfind('}');
      if (close == std::string_view::npos || close < brace) continue;
      name = line.substr(0, brace);
      labels = line.substr(brace + 1, close - brace - 1);
      rest = line.substr(close + 1);
    } else {
      const auto space = line.find(' ');
      if (space == std::string_view::npos) continue;
      name = line.substr(0, space);
      rest = line.substr(space);
    }
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    rest = rest.substr(0, rest.find(' '));  // a timestamp may follow
    double value = 0;
    if (rest == "+Inf") {
      value = INFINITY;
    } else if (rest == "NaN") {
      value = NAN;
    } else {
      const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
      if (ec != std::errc()) continue;
    }
    sample.by_name.emplace(std::string(name), std::make_pair(std::string(labels), value));
  }
  return sample;
}

RequestWindow request_window(const Sample& before, const Sample& after, bool api_only) {
  RequestWindow window;
  window.requests = std::max(
      0.0, requests_where(after, api_only, false) - requests_where(before, api_only, false));
  window.errors =
      std::max(0.0, requests_where(after, api_only, true) - requests_where(before, api_only, true));

  // p99 from the bucket differences, interpolated within the bucket as Prometheus does.
  const auto now = buckets(after, "http_request_duration_seconds", api_only);
  const auto then = buckets(before, "http_request_duration_seconds", api_only);
  std::vector<std::pair<double, double>> delta;  // (bound, cumulative count)
  for (const auto& [bound, count] : now) {
    const auto old = then.find(bound);
    delta.emplace_back(bound, std::max(0.0, count - (old == then.end() ? 0.0 : old->second)));
  }
  if (!delta.empty() && delta.back().second > 0) {
    const double total = delta.back().second;
    const double rank = 0.99 * total;
    double lower_bound = 0, lower_count = 0;
    for (const auto& [bound, count] : delta) {
      if (count >= rank) {
        if (std::isinf(bound)) {
          window.p99_seconds = lower_bound;
        } else {
          const double in_bucket = count - lower_count;
          window.p99_seconds =
              lower_bound +
              (bound - lower_bound) * (in_bucket > 0 ? (rank - lower_count) / in_bucket : 1.0);
        }
        break;
      }
      lower_bound = bound;
      lower_count = count;
    }
  }
  return window;
}

InstanceRow summarize(std::string service, std::string address, const Sample& before,
                      const Sample& after, double seconds) {
  InstanceRow row;
  row.service = std::move(service);
  row.address = std::move(address);
  const RequestWindow window = request_window(before, after);
  row.requests_per_second = seconds > 0 ? window.requests / seconds : 0;
  row.error_ratio = window.requests > 0 ? window.errors / window.requests : 0;
  row.p99_seconds = window.p99_seconds;

  // peer_circuit_state: 0 closed, 1 half-open, 2 open.
  const auto [first, last] = after.by_name.equal_range("peer_circuit_state");
  for (auto it = first; it != last; ++it) {
    if (it->second.second < 0.5) continue;
    std::string peer = it->second.first;
    if (const auto at = peer.find("peer=\""); at != std::string::npos) {
      peer = peer.substr(at + 6, peer.find('"', at + 6) - at - 6);
    }
    row.breakers.push_back(peer + (it->second.second > 1.5 ? ":open" : ":half-open"));
  }
  row.outbox_backlog = after.sum("outbox_backlog");
  row.consumer_lag = after.sum("events_consumer_lag");
  row.dlq_size = after.sum("events_dlq_size");
  return row;
}

std::optional<std::size_t> worst_row(const std::vector<InstanceRow>& rows) {
  std::optional<std::size_t> worst;
  const auto badness = [](const InstanceRow& row) {
    double score = row.reachable ? 0 : 1e9;
    score += row.error_ratio * 1e6 + static_cast<double>(row.breakers.size()) * 1e5 +
             (row.dlq_size > 0 ? 1e4 : 0) + row.p99_seconds.value_or(0);
    return score;
  };
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const InstanceRow& row = rows[i];
    const bool unhealthy = !row.reachable || row.error_ratio > 0 || !row.breakers.empty() ||
                           row.dlq_size > 0 || row.p99_seconds.value_or(0) >= 0.1;
    if (!unhealthy) continue;
    if (!worst || badness(row) > badness(rows[*worst])) worst = i;
  }
  return worst;
}

std::string format_top(const std::vector<InstanceRow>& rows, std::size_t width, std::size_t height,
                       bool colour, std::string_view title) {
  width = std::max<std::size_t>(width, 40);
  // a mark 2, SERVICE 18, ADDRESS 16, REQ/S 8, 5XX% 6, P99 MS 8, OUTBOX 7, LAG 6, DLQ 5, BREAKERS
  std::string out(title.substr(0, width));
  out += "\n";
  std::string header = "  " + cell("SERVICE", 18, false) + cell("ADDRESS", 16, false) +
                       cell("REQ/S", 8) + cell("5XX%", 6) + cell("P99 MS", 8) + cell("OUTBOX", 7) +
                       cell("LAG", 6) + cell("DLQ", 5) + "  BREAKERS";
  out += header.substr(0, width) + "\n";
  const auto worst = worst_row(rows);
  // The title, the header and the caller's hint take three lines; "... N more" one.
  std::size_t room = height > 3 ? height - 3 : 1;
  if (rows.size() > room && room > 1) --room;
  for (std::size_t i = 0; i < rows.size() && i < room; ++i) {
    const InstanceRow& row = rows[i];
    const bool marked = worst && *worst == i;
    std::string line = std::string(marked ? "> " : "  ") + cell(row.service, 18, false) +
                       cell(row.address, 16, false);
    if (!row.reachable) {
      line += "  unreachable";
    } else {
      std::string breakers;
      for (const auto& breaker : row.breakers) breakers += (breakers.empty() ? "" : " ") + breaker;
      line += cell(fixed(row.requests_per_second, 1), 8) +
              cell(fixed(row.error_ratio * 100, 1), 6) +
              cell(row.p99_seconds ? fixed(*row.p99_seconds * 1000, 1) : "-", 8) +
              cell(fixed(row.outbox_backlog, 0), 7) + cell(fixed(row.consumer_lag, 0), 6) +
              cell(fixed(row.dlq_size, 0), 5) + "  " + (breakers.empty() ? "-" : breakers);
    }
    line = line.substr(0, width);
    if (marked && colour)
      line = "\x1b[7m" + line + std::string(width - line.size(), ' ') + "\x1b[0m";
    out += line + "\n";
  }
  if (rows.size() > room) out += "... " + std::to_string(rows.size() - room) + " more\n";
  return out;
}

}  // namespace sylctl
