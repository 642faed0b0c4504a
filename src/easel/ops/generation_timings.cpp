#include "easel/ops/generation_timings.hpp"

#include <cstdio>
#include <numeric>

namespace easel {
namespace {

std::string row(const std::string& stage, double ms) {
  char line[96];
  std::snprintf(line, sizeof line, "  %-14s %10.1f ms\n", stage.c_str(), ms);
  return line;
}

}  // namespace

nlohmann::json generation_timings_json(const GenerationTimings& timings, double encode_ms) {
  nlohmann::json json = {
      {"load", timings.load_ms},     {"conditioning", timings.conditioning_ms}, {"steps", timings.step_ms},
      {"decode", timings.decode_ms}, {"postprocess", timings.postprocess_ms},   {"first_step", timings.first_step_ms}};
  if (encode_ms >= 0) json["encode"] = encode_ms;
  return json;
}

std::string generation_timings_table(const GenerationTimings& timings, double encode_ms, double total_ms) {
  std::string table = "timings:\n" + row("load", timings.load_ms) + row("conditioning", timings.conditioning_ms);
  for (std::size_t i = 0; i < timings.step_ms.size(); ++i)
    table += row("step " + std::to_string(i + 1), timings.step_ms[i]);
  const double steps = std::accumulate(timings.step_ms.begin(), timings.step_ms.end(), 0.0);
  if (!timings.step_ms.empty()) {
    table += row("steps", steps) + row("  per step", steps / static_cast<double>(timings.step_ms.size()));
  }
  table += row("decode", timings.decode_ms) + row("postprocess", timings.postprocess_ms) + row("encode", encode_ms) +
           row("first step at", timings.first_step_ms) + row("total", total_ms);
  char memory[96];
  std::snprintf(memory, sizeof memory, "  %-14s %10lld MiB\n", "peak RSS",
                static_cast<long long>(peak_rss_mib(timings)));
  return table + memory;
}

std::int64_t peak_rss_mib(const GenerationTimings& timings) {
  return (timings.peak_rss_bytes + (std::int64_t{1} << 19)) >> 20;
}

}  // namespace easel
