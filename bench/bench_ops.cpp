// Throughput of the deterministic ops on a 24-megapixel photograph (astronaut.png enlarged to 6000×4000),
// reported as megapixels per second of input. The copy benchmark is the memory-bandwidth floor of the
// same machine in the same run: ratios to it are what compare across machines.
#include <benchmark/benchmark.h>

#include <opencv2/imgproc.hpp>

#include "easel/image/codec.hpp"
#include "easel/ops/registry.hpp"

namespace {

const easel::Image& photo_24mp() {
  static const easel::Image image = [] {
    const easel::Image photo = easel::read_image_file(EASEL_BENCH_PHOTO, easel::DecodeLimits{}).image.to_rgba8();
    cv::Mat large;
    cv::resize(photo.mat(), large, cv::Size(6000, 4000), 0, 0, cv::INTER_CUBIC);
    return easel::Image(large);
  }();
  return image;
}

void run_op(benchmark::State& state, const char* op, const easel::json& given) {
  const auto& spec = easel::registry().get(op);
  const easel::Params params(easel::validate_params(spec, given, "bench"));
  const easel::Image& image = photo_24mp();
  for (auto _ : state) {
    auto output = spec.run(image, params, easel::RunContext{});
    benchmark::DoNotOptimize(output.image.mat().data);
  }
  const double megapixels = image.width() * static_cast<double>(image.height()) / 1e6;
  state.counters["MP/s"] =
      benchmark::Counter(megapixels * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_copy_floor(benchmark::State& state) {
  const easel::Image& image = photo_24mp();
  for (auto _ : state) {
    cv::Mat copy = image.mat().clone();
    benchmark::DoNotOptimize(copy.data);
  }
  state.counters["MP/s"] =
      benchmark::Counter(24.0 * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_color_adjust_tone(benchmark::State& state) {
  run_op(state, "color.adjust", {{"contrast", 0.3}, {"warmth", 0.2}, {"exposure", 0.5}});
}
void BM_color_adjust_full(benchmark::State& state) {
  run_op(state, "color.adjust", {{"contrast", 0.3}, {"warmth", 0.2}, {"saturation", 0.3}, {"hue", 10}});
}
void BM_crop_16_9(benchmark::State& state) { run_op(state, "image.crop", {{"aspect", "16:9"}}); }
void BM_resize_half_area(benchmark::State& state) {
  run_op(state, "image.resize", {{"scale", 0.5}, {"method", "area"}});
}
void BM_resize_lanczos_1080(benchmark::State& state) {
  run_op(state, "image.resize", {{"width", 1920}, {"method", "lanczos"}});
}

// Issue 3's benchmark: typeset and composite one line on a 12-megapixel photograph (goal: < 50 ms).
void BM_text_add_line_12mp(benchmark::State& state) {
  static const easel::Image photo_12mp = [] {
    cv::Mat resized;
    cv::resize(photo_24mp().mat(), resized, cv::Size(4240, 2832), 0, 0, cv::INTER_AREA);
    return easel::Image(resized);
  }();
  const auto& spec = easel::registry().get("text.add");
  const easel::Params params(easel::validate_params(
      spec, {{"text", "Morning Blend — $4.99"}, {"font", "bold serif"}, {"size", 160}}, "bench"));
  const cv::Rect top(0, 0, photo_12mp.width(), photo_12mp.height() / 2);
  for (auto _ : state) {
    auto output = spec.place(photo_12mp, params, easel::Placement{top, {}, {}, {}, {}}, easel::RunContext{});
    benchmark::DoNotOptimize(output.image.mat().data);
  }
}

}  // namespace

BENCHMARK(BM_text_add_line_12mp)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_copy_floor)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_color_adjust_tone)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_color_adjust_full)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_crop_16_9)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_resize_half_area)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_resize_lanczos_1080)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
