// SDXL at full size, whole generations: an SDXL-Turbo-size run (512², 1 step) and an SDXL-size,
// Lightning-style run (1024², 4 steps), both without CFG, in fp32 and bf16. Each run is its own child
// process, which loads the float16 diffusers folder through load_model (as a user's model loads) and
// generates; reported per run: load time, generation time, its ratio to the arithmetic floor (the
// run's FLOPs at the fp32 rate of a 3×3 convolution measured in the same process) and the peak
// resident set size (VmHWM). Goals (issue 19): ≤ 1.5× the floor in bf16, peak ≤ 10 GB for 1024² bf16.
//
//   bench_sdxl [FOLDER]
//
// FOLDER (default: a folder under $TMPDIR, removed afterwards) receives random SDXL-base-1.0-size
// weights in float16 (7 GB, never committed) when it holds no model yet, written by a child process.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "conv_floor.hpp"
#include "easel/diffusion/model.hpp"
#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "easel/diffusion/runtime.hpp"
#include "random_models.hpp"

namespace easel::diffusion::bench {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double peak_resident_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) * 1024;
  }
  return 0;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct Run {
  const char* name;
  std::int64_t side;
  int steps;
  Precision precision;
};

// Loads the model and generates once; prints one line. Runs in a child process.
int run_one(const fs::path& folder, const Run& run) {
  initialize_runtime();
  const double rate_before = conv_rate();
  ModelOptions options;
  options.precision = run.precision;
  const auto load_start = Clock::now();
  const StableDiffusionModel model = load_model(folder, options);
  const double load_seconds = seconds_since(load_start);

  PipelineInput input;
  input.prompt = "a cup of coffee on a wooden table";
  input.width = run.side;
  input.height = run.side;
  input.steps = run.steps;
  input.guidance = 0;  // SDXL-Turbo and Lightning run without CFG
  input.sampler = SamplerKind::euler;
  const auto start = Clock::now();
  const PipelineOutput output = run_pipeline(model, input, SeededNoise(42).source());
  const double generation_seconds = seconds_since(start);
  const double rate = std::max(rate_before, conv_rate());

  const ModelFlops flops = sdxl_flops(run.side / 8);
  const double total_flops = flops.text_encoder + flops.unet * run.steps + flops.vae_decode;
  const double floor_seconds = total_flops / rate;
  std::printf(
      "%-28s load %6.1f s  generate %7.1f s  %6.2f TFLOP  conv %5.0f GFLOP/s  floor_ratio %5.2f  "
      "peak RSS %5.2f GB  %s\n",
      run.name, load_seconds, generation_seconds, total_flops / 1e12, rate / 1e9, generation_seconds / floor_seconds,
      peak_resident_bytes() / 1e9, at::isfinite(output.decoded).all().item<bool>() ? "finite" : "NOT FINITE");
  std::fflush(stdout);
  return 0;
}

int in_child(const std::function<int()>& body) {
  const pid_t child = ::fork();
  if (child == 0) std::_Exit(body());
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int run(int argc, char** argv) {
  const bool own_folder = argc < 2;
  const fs::path folder =
      own_folder ? fs::temp_directory_path() / ("easel-sdxl-fp16-" + std::to_string(::getpid())) : fs::path(argv[1]);
  const char* reference = std::getenv("EASEL_REFERENCE_DIR");
  const fs::path tokenizer =
      fs::path(reference != nullptr ? reference : EASEL_BENCH_REFERENCE_DIR) / "sd" / "tokenizer";
  if (!fs::exists(folder / "model_index.json")) {
    std::printf("writing SDXL-size float16 weights to %s\n", folder.c_str());
    std::fflush(stdout);
    if (in_child([&] {
          write_random_sdxl_folder(folder, tokenizer);
          return 0;
        }) != 0) {
      std::fprintf(stderr, "writing the model failed\n");
      return 1;
    }
  }
  const std::vector<Run> runs = {{"sdxl-turbo 512x512 1 step fp32", 512, 1, Precision::fp32},
                                 {"sdxl-turbo 512x512 1 step bf16", 512, 1, Precision::bf16},
                                 {"sdxl 1024x1024 4 steps fp32", 1024, 4, Precision::fp32},
                                 {"sdxl 1024x1024 4 steps bf16", 1024, 4, Precision::bf16}};
  int failures = 0;
  for (const Run& run : runs) {
    if (run.precision == Precision::bf16 && !bf16_supported()) {
      std::printf("%-28s skipped: this CPU has no bfloat16 instructions\n", run.name);
      continue;
    }
    failures += in_child([&] { return run_one(folder, run); }) != 0;
  }
  if (own_folder) fs::remove_all(folder);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace easel::diffusion::bench

int main(int argc, char** argv) { return easel::diffusion::bench::run(argc, argv); }
