#pragma once
// A generation's stage timings as every door reports them: the same JSON in `easel generate`'s report
// and the API's `easel` extension, and the same table for `easel generate --timings`.
#include <string>

#include <nlohmann/json.hpp>

#include "easel/ops/generation_engine.hpp"

namespace easel {

// {"load": ms, "conditioning": ms, "steps": [ms, …], "decode": ms, "postprocess": ms, "first_step": ms},
// plus "encode": ms when the door encoded the images (encode_ms ≥ 0).
nlohmann::json generation_timings_json(const GenerationTimings& timings, double encode_ms = -1);

// One line per stage with its milliseconds (each step, then their total and mean), the total and the
// peak resident memory, for a terminal.
std::string generation_timings_table(const GenerationTimings& timings, double encode_ms, double total_ms);

// The peak resident memory in MiB, rounded.
std::int64_t peak_rss_mib(const GenerationTimings& timings);

}  // namespace easel
