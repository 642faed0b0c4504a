// Peak memory of a 512×512 text-to-image generation with SD2.1-size float16 weights loaded from disk
// the way a user's model is (a diffusers folder through load_model), as the peak resident set size
// (VmHWM) of the process. Goal: under 6 GB.
//
//   bench_diffusion_memory [FOLDER] [STEPS] [CFG] [PRECISION]
//
// FOLDER (default: a folder under $TMPDIR, removed afterwards) receives random full-size SD2.1 weights
// in float16 (2.6 GB, never committed) when it holds no model yet; a child process writes them, so
// that the random fp32 networks it builds do not count towards the measured peak. STEPS (default 2)
// and CFG (default 7.5: a UNet batch of 2) set the run; PRECISION is fp32 (default) or bf16.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "easel/diffusion/model.hpp"
#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "easel/diffusion/runtime.hpp"
#include "random_models.hpp"

namespace easel::diffusion::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// VmHWM (peak) or VmRSS (now) of this process, in bytes.
double status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::strtod(line.c_str() + field.size() + 1, nullptr) * 1024;
  }
  return 0;
}

int run(int argc, char** argv) {
  const bool own_folder = argc < 2;
  const fs::path folder =
      own_folder ? fs::temp_directory_path() / ("easel-sd21-fp16-" + std::to_string(::getpid())) : fs::path(argv[1]);
  const int steps = argc > 2 ? std::atoi(argv[2]) : 2;
  const double guidance = argc > 3 ? std::atof(argv[3]) : 7.5;
  ModelOptions options;
  options.precision = argc > 4 ? parse_precision(argv[4], "PRECISION") : Precision::fp32;
  const char* reference = std::getenv("EASEL_REFERENCE_DIR");
  const fs::path tokenizer =
      fs::path(reference != nullptr ? reference : EASEL_BENCH_REFERENCE_DIR) / "sd" / "tokenizer";

  if (!fs::exists(folder / "model_index.json")) {
    std::printf("writing SD2.1-size float16 weights to %s\n", folder.c_str());
    const pid_t child = ::fork();
    if (child == 0) {
      write_random_model_folder(folder, Family::sd21, tokenizer);
      std::_Exit(0);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::fprintf(stderr, "writing the model failed\n");
      return 1;
    }
  }

  initialize_runtime();
  const auto start = Clock::now();
  const StableDiffusionModel model = load_model(folder, options);
  const double load_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double after_load_peak = status_bytes("VmHWM"), after_load = status_bytes("VmRSS");
  // Resets VmHWM (Linux ≥ 4.0), so that the generation's own peak is seen as well as the overall one.
  std::ofstream("/proc/self/clear_refs") << "5";

  PipelineInput input;
  input.prompt = "a cup of coffee on a wooden table";
  input.steps = steps;
  input.guidance = guidance;
  const auto generation_start = Clock::now();
  const PipelineOutput output = run_pipeline(model, input, SeededNoise(42).source());
  const double generation_seconds = std::chrono::duration<double>(Clock::now() - generation_start).count();
  const double generation_peak = status_bytes("VmHWM");
  const double peak = std::max(after_load_peak, generation_peak);

  constexpr double gb = 1e9;
  std::printf("precision %s\n", precision_name(options.precision));
  std::printf("load: %.1f s, resident %.2f GB (peak while loading %.2f GB)\n", load_seconds, after_load / gb,
              after_load_peak / gb);
  std::printf("512x512, %d steps, CFG %.1f: %.1f s, output %s, peak while generating %.2f GB\n", steps, guidance,
              generation_seconds, at::isfinite(output.decoded).all().item<bool>() ? "finite" : "NOT FINITE",
              generation_peak / gb);
  std::printf("peak resident set size: %.2f GB (goal: under 6 GB) -> %s\n", peak / gb,
              peak < 6 * gb ? "met" : "NOT met");
  if (own_folder) fs::remove_all(folder);
  return peak < 6 * gb ? 0 : 2;
}

}  // namespace
}  // namespace easel::diffusion::bench

int main(int argc, char** argv) { return easel::diffusion::bench::run(argc, argv); }
