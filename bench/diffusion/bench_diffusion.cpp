// Speed of the diffusion engine on full-size SD1.5 / SD2.1 architectures (random weights), each
// benchmark reporting its FLOP count and how far it is from the floor set by this machine's measured
// fp32 convolution throughput (floor_ratio = measured time / (FLOPs ÷ conv rate)).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <map>
#include <memory>
#include <utility>

#include "easel/diffusion/layers.hpp"
#include "easel/diffusion/model.hpp"
#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "easel/diffusion/runtime.hpp"
#include "conv_floor.hpp"
#include "random_models.hpp"

namespace easel::diffusion::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Times `body` per iteration and reports FLOPs, achieved rate and the ratio to the convolution floor.
// The machine may be shared, so the best iteration is what counts (seconds), the convolution rate is
// the better of a probe before and one after, and core_share says whether the best iteration had the
// cores to itself: processor time of all this process's threads ÷ (wall time × threads), near 1 on a
// quiet machine, about 0.5 when other work took one of two cores (such a time is not the engine's).
template <typename Body>
void measure(benchmark::State& state, double flops, Body&& body) {
  double rate = conv_rate();
  body();  // warm-up: oneDNN primitive creation and first touch of the weights are not steady state
  double best = 1e30;
  double best_share = 0;
  for (auto _ : state) {
    const std::clock_t cpu_start = std::clock();
    const auto start = Clock::now();
    body();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    if (seconds < best) {
      best = seconds;
      best_share = cpu_seconds / seconds / at::get_num_threads();
    }
  }
  rate = std::max(rate, conv_rate());
  state.counters["seconds"] = best;
  state.counters["TFLOP"] = flops / 1e12;
  state.counters["GFLOP/s"] = flops / best / 1e9;
  state.counters["conv_GFLOP/s"] = rate / 1e9;
  state.counters["core_share"] = best_share;
  state.counters["floor_ratio"] = best / (flops / rate);
}

double relative_l2(const at::Tensor& actual, const at::Tensor& expected) {
  const at::Tensor a = actual.to(at::kDouble);
  const at::Tensor b = expected.to(at::kDouble);
  return (a - b).norm().item<double>() / b.norm().item<double>();
}

// One full-size model at a time stays in memory (an SD UNet is 3.4 GB in fp32).
struct UNetPair {
  Family family;
  std::unique_ptr<UNet> fp32;
  std::unique_ptr<UNet> bf16;
  double flops;
};

UNetPair& unets(Family family) {
  static UNetPair cached{Family::sd15, nullptr, nullptr, 0};
  if (!cached.fp32 || cached.family != family) {
    cached.fp32.reset();
    cached.bf16.reset();
    RandomModel model = random_unet(family);
    cached.fp32 = std::make_unique<UNet>(model.weights, unet_config(family));
    model.weights.convert(at::kBFloat16);
    cached.bf16 = std::make_unique<UNet>(model.weights, unet_config(family));
    cached.family = family;
    cached.flops = model.flops;
  }
  return cached;
}

void BM_UNetStep(benchmark::State& state, Family family, bool bf16) {
  initialize_runtime();
  UNetPair& pair = unets(family);
  const std::int64_t batch = state.range(0);
  const at::Tensor sample = at::randn({batch, 4, 64, 64});
  const at::Tensor context = at::randn({batch, 77, family == Family::sd15 ? 768 : 1024});
  const at::Tensor timestep = at::full({}, 500.0f);
  const auto dtype = bf16 ? at::kBFloat16 : at::kFloat;
  const UNet& unet = bf16 ? *pair.bf16 : *pair.fp32;
  at::Tensor output;
  measure(state, pair.flops * static_cast<double>(batch),
          [&] { output = unet.forward(sample.to(dtype), timestep, context.to(dtype)); });
  if (bf16) state.counters["drift_rel_l2"] = relative_l2(output, pair.fp32->forward(sample, timestep, context));
}

void BM_VaeDecode512(benchmark::State& state, bool bf16) {
  initialize_runtime();
  static RandomModel model = random_vae_decoder();
  static const Vae fp32(model.weights, VaeConfig{32, 0.18215});
  static const Vae bf16_vae = [] {
    Weights weights = model.weights;
    weights.convert(at::kBFloat16);
    return Vae(weights, VaeConfig{32, 0.18215});
  }();
  const at::Tensor latents = at::randn({1, 4, 64, 64});
  at::Tensor output;
  if (bf16) {
    measure(state, model.flops, [&] { output = bf16_vae.decode(latents.to(at::kBFloat16)); });
    state.counters["drift_rel_l2"] = relative_l2(output, fp32.decode(latents));
  } else {
    measure(state, model.flops, [&] { output = fp32.decode(latents); });
  }
}

void BM_TextEncode(benchmark::State& state, Family family, bool bf16) {
  initialize_runtime();
  RandomModel model = random_text_encoder(family);
  const TextEncoder fp32(model.weights, text_encoder_config(family));
  const at::Tensor ids = at::randint(0, 49408, {1, 77}, at::kLong);
  if (!bf16) {
    measure(state, model.flops, [&] { benchmark::DoNotOptimize(fp32.encode(ids)); });
    return;
  }
  model.weights.convert(at::kBFloat16);
  const TextEncoder encoder(model.weights, text_encoder_config(family));
  at::Tensor output;
  measure(state, model.flops, [&] { output = encoder.encode(ids); });
  state.counters["drift_rel_l2"] = relative_l2(output, fp32.encode(ids));
}

// One self-attention over SD's 64×64 latent (4096 positions, width 320): the UNet's costliest
// attention, 5 of them per SD1.5 step. FLOPs: the two products, 2 × 2 × positions² × width.
void BM_SelfAttention4096(benchmark::State& state, std::int64_t heads) {
  initialize_runtime();
  const std::int64_t batch = state.range(0), positions = 4096, width = 320;
  const at::Tensor q = at::randn({batch, positions, width}), k = at::randn({batch, positions, width}),
                   v = at::randn({batch, positions, width});
  measure(state, 4.0 * static_cast<double>(batch * positions * positions * width),
          [&] { benchmark::DoNotOptimize(multi_head_attention(q, k, v, heads, false)); });
}

void BM_ConvThroughput(benchmark::State& state) {
  initialize_runtime();
  const at::Tensor input = at::randn({1, 320, 64, 64});
  const at::Tensor weight = at::randn({320, 320, 3, 3}) * 0.02;
  measure(state, 2.0 * 320 * 320 * 9 * 64 * 64, [&] { benchmark::DoNotOptimize(at::conv2d(input, weight, {}, 1, 1)); });
}

// Random full-size SD2.1 (SD-Turbo) and SD1.5 models written once per process as float16 diffusers
// folders under $TMPDIR (about 2.6 and 2.1 GB), loaded the way a user's model is (load_model), and
// removed at exit. The real CLIP tokenizer files come from the reference folder (EASEL_REFERENCE_DIR
// overrides its location).
class ModelFolders {
 public:
  ~ModelFolders() {
    std::error_code ignored;
    for (const auto& [family, written] : written_) std::filesystem::remove_all(written.folder, ignored);
  }
  const std::filesystem::path& folder(Family family) { return get(family).folder; }
  const ModelFlops& flops(Family family) { return get(family).flops; }

 private:
  struct Written {
    std::filesystem::path folder;
    ModelFlops flops;
  };
  const Written& get(Family family) {
    if (const auto found = written_.find(family); found != written_.end()) return found->second;
    const char* reference = std::getenv("EASEL_REFERENCE_DIR");
    const std::filesystem::path tokenizer =
        std::filesystem::path(reference != nullptr ? reference : EASEL_BENCH_REFERENCE_DIR) / "sd" / "tokenizer";
    const std::filesystem::path folder =
        std::filesystem::temp_directory_path() /
        ((family == Family::sd21 ? "easel-bench-sd21-" : "easel-bench-sd15-") + std::to_string(::getpid()));
    const ModelFlops flops = write_random_model_folder(folder, family, tokenizer);
    release_freed_memory();
    return written_.emplace(family, Written{folder, flops}).first->second;
  }
  std::map<Family, Written> written_;
};

ModelFolders& model_folders() {
  static ModelFolders folders;
  return folders;
}

// The loaded model of the last end-to-end benchmark: one at a time stays in memory.
struct LoadedModel {
  Family family = Family::sd15;
  Precision precision = Precision::fp32;
  std::unique_ptr<StableDiffusionModel> model;
};

LoadedModel& loaded_model() {
  static LoadedModel loaded;
  return loaded;
}

StableDiffusionModel load_random_model(Family family, Precision precision) {
  ModelOptions options;
  options.precision = precision;
  return load_model(model_folders().folder(family), options);
}

const StableDiffusionModel& model_for(Family family, Precision precision) {
  LoadedModel& loaded = loaded_model();
  if (!loaded.model || loaded.family != family || loaded.precision != precision) {
    loaded.model.reset();
    loaded.model = std::make_unique<StableDiffusionModel>(load_random_model(family, precision));
    loaded.family = family;
    loaded.precision = precision;
  }
  return *loaded.model;
}

// A 512×512 text-to-image run: SD-Turbo samples one trailing-spaced Euler step without guidance;
// SD1.5 here 4 Euler steps with CFG 7.5 (a UNet batch of 2).
struct TextToImageRun {
  Family family;
  int steps;
  double guidance;
};

PipelineInput text_to_image_input(const TextToImageRun& run) {
  PipelineInput input;
  input.prompt = "a cup of coffee on a wooden table";
  input.steps = run.steps;
  input.guidance = run.guidance;
  input.sampler = SamplerKind::euler;
  return input;
}

// FLOPs: text windows + UNet evaluations × batch + one decode.
double text_to_image_flops(const TextToImageRun& run) {
  const ModelFlops& flops = model_folders().flops(run.family);
  const double batch = run.guidance > 1 ? 2 : 1;
  return flops.text_encoder * batch + flops.unet * batch * run.steps + flops.vae_decode;
}

// fp32 images of each run (same prompt and seed), for the bf16 runs' drift.
std::map<std::pair<Family, int>, at::Tensor>& fp32_images() {
  static std::map<std::pair<Family, int>, at::Tensor> images;
  return images;
}

void report_drift(benchmark::State& state, const TextToImageRun& run, Precision precision, const at::Tensor& decoded) {
  const auto key = std::make_pair(run.family, run.steps);
  if (precision == Precision::fp32) {
    fp32_images()[key] = decoded;
  } else if (const auto found = fp32_images().find(key); found != fp32_images().end()) {
    state.counters["drift_rel_l2"] = relative_l2(decoded, found->second);
  }
}

// Text-to-image at 512×512 end to end (prompt encoding, every UNet evaluation, scheduler, VAE decode)
// through run_pipeline, the model already loaded.
void BM_TextToImage512(benchmark::State& state, TextToImageRun run, Precision precision) {
  initialize_runtime();
  if (!bf16_supported() && precision == Precision::bf16)
    return state.SkipWithError("this CPU has no bfloat16 instructions");
  const StableDiffusionModel& model = model_for(run.family, precision);
  const PipelineInput input = text_to_image_input(run);
  at::Tensor decoded;
  measure(state, text_to_image_flops(run),
          [&] { decoded = run_pipeline(model, input, SeededNoise(42).source()).decoded; });
  report_drift(state, run, precision, decoded);
}

// The same with loading included: load_model of the float16 folder (already in the page cache, as
// after a first run) then the generation; load_s is the fastest load. Nothing else stays loaded.
void BM_TextToImage512WithLoad(benchmark::State& state, TextToImageRun run, Precision precision) {
  initialize_runtime();
  if (!bf16_supported() && precision == Precision::bf16)
    return state.SkipWithError("this CPU has no bfloat16 instructions");
  loaded_model().model.reset();
  model_folders().folder(run.family);  // written before the timing starts
  release_freed_memory();
  const PipelineInput input = text_to_image_input(run);
  double load_seconds = 1e30;
  measure(state, text_to_image_flops(run), [&] {
    const auto start = Clock::now();
    const StableDiffusionModel model = load_random_model(run.family, precision);
    load_seconds = std::min(load_seconds, std::chrono::duration<double>(Clock::now() - start).count());
    benchmark::DoNotOptimize(run_pipeline(model, input, SeededNoise(42).source()).decoded);
  });
  state.counters["load_s"] = load_seconds;
}

constexpr TextToImageRun sd_turbo_1step{Family::sd21, 1, 0.0};
constexpr TextToImageRun sd15_4steps_cfg{Family::sd15, 4, 7.5};

BENCHMARK(BM_ConvThroughput)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_SelfAttention4096, sd15_8_heads, 8)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_SelfAttention4096, sd21_5_heads, 5)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextEncode, sd15_fp32, Family::sd15, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextEncode, sd15_bf16, Family::sd15, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextEncode, sd21_fp32, Family::sd21, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextEncode, sd21_bf16, Family::sd21, true)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_UNetStep, sd15_fp32, Family::sd15, false)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(3)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_UNetStep, sd15_bf16, Family::sd15, true)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_UNetStep, sd21_fp32, Family::sd21, false)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(3)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_UNetStep, sd21_bf16, Family::sd21, true)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(1)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_VaeDecode512, fp32, false)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_VaeDecode512, bf16, true)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextToImage512, sd_turbo_1step_fp32, sd_turbo_1step, Precision::fp32)
    ->Iterations(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TextToImage512, sd_turbo_1step_bf16, sd_turbo_1step, Precision::bf16)
    ->Iterations(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TextToImage512WithLoad, sd_turbo_1step_fp32, sd_turbo_1step, Precision::fp32)
    ->Iterations(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TextToImage512WithLoad, sd_turbo_1step_bf16, sd_turbo_1step, Precision::bf16)
    ->Iterations(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TextToImage512, sd15_4steps_cfg_fp32, sd15_4steps_cfg, Precision::fp32)
    ->Iterations(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_TextToImage512, sd15_4steps_cfg_bf16, sd15_4steps_cfg, Precision::bf16)
    ->Iterations(2)
    ->Unit(benchmark::kSecond)
    ->UseRealTime();

}  // namespace
}  // namespace easel::diffusion::bench

BENCHMARK_MAIN();
