// Classical ops of issue 4 on real photographs. Upscaling is reported per output megapixel beside a
// plain Lanczos resize to the same size in the same run (the resampling floor): compare the ratios, not
// the absolute times. object.remove is timed per algorithm on one hole size; recolour and styles on 12 MP.
#include <benchmark/benchmark.h>

#include <opencv2/imgproc.hpp>

#include "easel/image/codec.hpp"
#include "easel/ops/image_upscale.hpp"
#include "easel/ops/registry.hpp"

namespace {

const easel::Image& photo() {
  static const easel::Image image = easel::read_image_file(EASEL_BENCH_PHOTO, easel::DecodeLimits{}).image.to_rgba8();
  return image;
}

// 1000×1000 input: ×2 gives 4 output megapixels, ×4 gives 16.
const cv::Mat& upscale_input() {
  static const cv::Mat input = [] {
    cv::Mat resized;
    cv::resize(photo().mat(), resized, cv::Size(1000, 1000), 0, 0, cv::INTER_CUBIC);
    return resized;
  }();
  return input;
}

const easel::Image& photo_12mp() {
  static const easel::Image image = [] {
    cv::Mat resized;
    cv::resize(photo().mat(), resized, cv::Size(4000, 3000), 0, 0, cv::INTER_CUBIC);
    return easel::Image(resized);
  }();
  return image;
}

void count_output(benchmark::State& state, double output_megapixels) {
  state.counters["out_MP/s"] =
      benchmark::Counter(output_megapixels * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_upscale_floor_plain_resize(benchmark::State& state) {
  const auto factor = static_cast<int>(state.range(0));
  for (auto _ : state) {
    cv::Mat out;
    cv::resize(upscale_input(), out, cv::Size(), factor, factor, cv::INTER_LANCZOS4);
    benchmark::DoNotOptimize(out.data);
  }
  count_output(state, factor * factor * 1.0);
}

template <const char* Method>
void BM_upscale(benchmark::State& state) {
  const auto factor = static_cast<int>(state.range(0));
  for (auto _ : state) {
    cv::Mat out = easel::upscale_tiled(upscale_input(), factor, Method);
    benchmark::DoNotOptimize(out.data);
  }
  count_output(state, factor * factor * 1.0);
}
constexpr char kBicubic[] = "bicubic";
constexpr char kLanczos[] = "lanczos";
constexpr char kSharp[] = "sharp";
constexpr char kBackprojection[] = "backprojection";

void run_region_op(benchmark::State& state, const char* op, const easel::json& given, const easel::Image& image,
                   const cv::Mat& weight) {
  const auto& spec = easel::registry().get(op);
  const easel::Params params(easel::validate_params(spec, given, "bench"));
  for (auto _ : state) {
    auto output = spec.run_in_region ? spec.run_in_region(image, params, weight, easel::RunContext{})
                                     : spec.run(image, params, easel::RunContext{});
    benchmark::DoNotOptimize(output.image.mat().data);
  }
}

// A 150×100-pixel elliptical hole (15 000 px) in the 512×512 photo, the size of a small object.
void BM_object_remove(benchmark::State& state, const char* algorithm) {
  cv::Mat weight = cv::Mat::zeros(photo().height(), photo().width(), CV_32F);
  cv::ellipse(weight, cv::Point(256, 400), cv::Size(75, 50), 0, 0, 360, cv::Scalar(1), cv::FILLED);
  run_region_op(state, "object.remove", {{"algorithm", algorithm}}, photo(), weight);
}

void BM_recolor_12mp(benchmark::State& state) {
  static const cv::Mat all(photo_12mp().height(), photo_12mp().width(), CV_32F, cv::Scalar(1));
  run_region_op(state, "region.recolor", {{"color", "teal"}}, photo_12mp(), all);
  count_output(state, 12);
}

void BM_style_12mp(benchmark::State& state, const char* style) {
  static const cv::Mat all(photo_12mp().height(), photo_12mp().width(), CV_32F, cv::Scalar(1));
  run_region_op(state, "style.apply", {{"style", style}}, photo_12mp(), all);
  count_output(state, 12);
}

}  // namespace

BENCHMARK(BM_upscale_floor_plain_resize)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_upscale, kBicubic)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_upscale, kLanczos)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_upscale, kSharp)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_TEMPLATE(BM_upscale, kBackprojection)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_object_remove, fsr_fast, "fsr-fast")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_object_remove, fsr_best, "fsr-best")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_object_remove, telea, "telea")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_recolor_12mp)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_style_12mp, stylize, "stylize")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_style_12mp, oil, "oil")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_style_12mp, cartoon, "cartoon")->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);
BENCHMARK_CAPTURE(BM_style_12mp, sepia, "sepia")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
