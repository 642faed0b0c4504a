// Speed of the diffusion engine on full-size SD1.5 / SD2.1 architectures (random weights), each
// benchmark reporting its FLOP count and how far it is from the floor set by this machine's measured
// fp32 convolution throughput (floor_ratio = measured time / (FLOPs ÷ conv rate)).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdlib>
#include <memory>

#include "easel/diffusion/noise.hpp"
#include "easel/diffusion/pipeline.hpp"
#include "easel/diffusion/runtime.hpp"
#include "random_models.hpp"

namespace easel::diffusion::bench {
namespace {

using Clock = std::chrono::steady_clock;

// fp32 FLOP/s of a 3×3, 320→320 convolution on a 64×64 map, the UNet's commonest layer: best of 5,
// measured right before each benchmark so that both see the same machine load.
double conv_rate() {
  const at::Tensor input = at::randn({1, 320, 64, 64});
  const at::Tensor weight = at::randn({320, 320, 3, 3}) * 0.02;
  const double flops = 2.0 * 320 * 320 * 9 * 64 * 64;
  double best = 1e30;
  for (int i = 0; i < 6; ++i) {
    const auto start = Clock::now();
    benchmark::DoNotOptimize(at::conv2d(input, weight, {}, 1, 1));
    if (i > 0) best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return flops / best;
}

// Times `body` per iteration and reports FLOPs, achieved rate and the ratio to the convolution floor.
template <typename Body>
void measure(benchmark::State& state, double flops, Body&& body) {
  const double rate = conv_rate();
  body();  // warm-up: oneDNN primitive creation and first touch of the weights are not steady state
  double seconds = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    body();
    seconds += std::chrono::duration<double>(Clock::now() - start).count();
  }
  const double per_iteration = seconds / static_cast<double>(state.iterations());
  state.counters["TFLOP"] = flops / 1e12;
  state.counters["GFLOP/s"] = flops / per_iteration / 1e9;
  state.counters["conv_GFLOP/s"] = rate / 1e9;
  state.counters["floor_ratio"] = per_iteration / (flops / rate);
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

void BM_TextEncode(benchmark::State& state, Family family) {
  initialize_runtime();
  const RandomModel model = random_text_encoder(family);
  const TextEncoder encoder(model.weights, text_encoder_config(family));
  const at::Tensor ids = at::randint(0, 49408, {1, 77}, at::kLong);
  measure(state, model.flops, [&] { benchmark::DoNotOptimize(encoder.encode(ids)); });
}

void BM_ConvThroughput(benchmark::State& state) {
  initialize_runtime();
  const at::Tensor input = at::randn({1, 320, 64, 64});
  const at::Tensor weight = at::randn({320, 320, 3, 3}) * 0.02;
  measure(state, 2.0 * 320 * 320 * 9 * 64 * 64, [&] { benchmark::DoNotOptimize(at::conv2d(input, weight, {}, 1, 1)); });
}

// A whole model for the end-to-end benchmarks: full-size random networks and the real CLIP tokenizer
// (from the reference folder; EASEL_REFERENCE_DIR overrides its location). One model at a time.
struct PipelineModel {
  Family family;
  std::unique_ptr<StableDiffusionModel> model;
  double unet_flops = 0;
  double vae_flops = 0;
  double text_flops = 0;
};

PipelineModel& pipeline_model(Family family) {
  static PipelineModel cached{Family::sd15, nullptr};
  if (!cached.model || cached.family != family) {
    cached.model.reset();
    const char* reference = std::getenv("EASEL_REFERENCE_DIR");
    const std::filesystem::path tokenizer = std::filesystem::path(reference != nullptr ? reference : EASEL_BENCH_REFERENCE_DIR) / "sd" / "tokenizer";
    const RandomModel text = random_text_encoder(family);
    const RandomModel unet = random_unet(family);
    const RandomModel vae = random_vae_decoder();
    SchedulerConfig scheduler;
    // SD-Turbo samples one trailing-spaced Euler step; SD1.5 the usual linspace Euler schedule.
    if (family == Family::sd21) scheduler.spacing = TimestepSpacing::trailing;
    cached.model = std::make_unique<StableDiffusionModel>(StableDiffusionModel{
        family == Family::sd15 ? ModelFamily::sd1 : ModelFamily::sd2,
        ClipTokenizer::from_vocab_and_merges(tokenizer / "vocab.json", tokenizer / "merges.txt"),
        family == Family::sd15 ? ClipTokenizer::sd1_pad_id : ClipTokenizer::sd2_pad_id,
        TextEncoder(text.weights, text_encoder_config(family)), UNet(unet.weights, unet_config(family)),
        Vae(vae.weights, VaeConfig{32, 0.18215}), scheduler});
    cached.family = family;
    cached.unet_flops = unet.flops;
    cached.vae_flops = vae.flops;
    cached.text_flops = text.flops;
  }
  return cached;
}

// Text-to-image at 512×512 end to end (prompt encoding, every UNet evaluation, scheduler, VAE decode),
// the model already in memory. FLOPs: text windows + UNet evaluations × batch + one decode.
void BM_TextToImage512(benchmark::State& state, Family family, int steps, double guidance) {
  initialize_runtime();
  PipelineModel& pipeline = pipeline_model(family);
  PipelineInput input;
  input.prompt = "a cup of coffee on a wooden table";
  input.steps = steps;
  input.guidance = guidance;
  input.sampler = SamplerKind::euler;
  const bool guided = guidance > 1;
  const double batch = guided ? 2 : 1;
  const double flops = pipeline.text_flops * batch + pipeline.unet_flops * batch * steps + pipeline.vae_flops;
  measure(state, flops, [&] {
    SeededNoise noise(42);
    benchmark::DoNotOptimize(run_pipeline(*pipeline.model, input, noise.source()).decoded);
  });
}

BENCHMARK(BM_ConvThroughput)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextEncode, sd15, Family::sd15)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextEncode, sd21, Family::sd21)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_UNetStep, sd15_fp32, Family::sd15, false)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_UNetStep, sd15_bf16, Family::sd15, true)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_UNetStep, sd21_fp32, Family::sd21, false)->Arg(1)->Arg(2)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_UNetStep, sd21_bf16, Family::sd21, true)->Arg(1)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_VaeDecode512, fp32, false)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_VaeDecode512, bf16, true)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextToImage512, sd_turbo_1step, Family::sd21, 1, 0.0)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_TextToImage512, sd15_4steps_cfg, Family::sd15, 4, 7.5)->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

}  // namespace
}  // namespace easel::diffusion::bench

BENCHMARK_MAIN();
