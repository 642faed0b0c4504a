// Segmentation at 1024² (docs/segmentation.md): the ISNet model in OpenCV DNN at several input sizes
// and thread counts, the full-resolution refinement, and the classical fallback. The model's time is
// reported beside its arithmetic floor: its FLOPs at the rate a large single-precision GEMM reaches in
// the same run on the same threads ("floor_ratio" = measured / floor).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/image/codec.hpp"
#include "easel/settings/environment.hpp"
#include "easel/vision/segmentation.hpp"
#include "easel/vision/subject_fallback.hpp"
#include "easel/vision/subject_networks.hpp"

namespace {

using easel::Image;

Image photo_1024() {
  static const Image image = [] {
    const Image photo = easel::read_image_file(EASEL_BENCH_PHOTO, easel::DecodeLimits{}).image.to_rgba8();
    cv::Mat resized;
    cv::resize(photo.mat(), resized, cv::Size(1024, 1024), 0, 0, cv::INTER_CUBIC);
    return Image(resized);
  }();
  return image;
}

cv::dnn::Net& network() {
  static cv::dnn::Net net = [] {
    const auto model =
        easel::settings::segmenter_from_environment(easel::settings::model_paths_from_environment()).isnet_file();
    if (!std::filesystem::is_regular_file(model)) {
      std::fprintf(stderr, "segmentation model %s missing: run scripts/fetch-segmentation-model.sh\n", model.c_str());
      std::exit(1);
    }
    return cv::dnn::readNetFromONNX(model.string());
  }();
  return net;
}

// Sustained single-precision GEMM rate on the current thread setting: the practical peak of this CPU.
double gemm_flops_per_second() {
  const int n = 1024;
  cv::Mat a(n, n, CV_32F), b(n, n, CV_32F), c;
  cv::randu(a, -1, 1);
  cv::randu(b, -1, 1);
  cv::gemm(a, b, 1, cv::noArray(), 0, c);
  const auto start = cv::getTickCount();
  const int repeats = 8;
  for (int i = 0; i < repeats; ++i) cv::gemm(a, b, 1, cv::noArray(), 0, c);
  const double seconds = static_cast<double>(cv::getTickCount() - start) / cv::getTickFrequency();
  return 2.0 * n * n * n * repeats / seconds;
}

void print_time_by_layer_type(cv::dnn::Net& net, int size, int threads) {
  std::vector<double> per_layer;
  const double total = static_cast<double>(net.getPerfProfile(per_layer)) / cv::getTickFrequency();
  std::map<std::string, double> by_type;
  for (std::size_t i = 0; i < per_layer.size(); ++i) {
    const auto layer = net.getLayer(static_cast<int>(i) + 1);
    by_type[layer->type] += per_layer[i] / cv::getTickFrequency();
  }
  std::vector<std::pair<double, std::string>> sorted;
  for (const auto& [type, seconds] : by_type) sorted.emplace_back(seconds, type);
  std::sort(sorted.rbegin(), sorted.rend());
  std::fprintf(stderr, "ISNet %d² on %d threads, %.2f s; by layer type:", size, threads, total);
  for (std::size_t i = 0; i < std::min<std::size_t>(5, sorted.size()); ++i) {
    std::fprintf(stderr, " %s %.0f%%", sorted[i].second.c_str(), 100 * sorted[i].first / total);
  }
  std::fprintf(stderr, "\n");
}

// Args: network input size, threads. The converted graph has the package's 1024² input baked into its
// Resize nodes (OpenCV folds them at import), so only 1024 runs; smaller inputs need a re-exported graph.
void BM_ModelForward(benchmark::State& state) {
  const int size = static_cast<int>(state.range(0));
  const int threads = static_cast<int>(state.range(1));
  cv::setNumThreads(threads);
  cv::dnn::Net& net = network();
  cv::Mat rgb;
  cv::cvtColor(photo_1024().mat(), rgb, cv::COLOR_RGBA2RGB);
  const cv::Mat blob =
      cv::dnn::blobFromImage(rgb, 1.0 / 256, cv::Size(size, size), cv::Scalar(128, 128, 128), false, false);
  const double flops = static_cast<double>(net.getFLOPS(std::vector<int>{1, 3, size, size}));
  for (auto _ : state) {
    net.setInput(blob);
    benchmark::DoNotOptimize(net.forward("output"));
  }
  print_time_by_layer_type(net, size, threads);
  const double floor_seconds = flops / gemm_flops_per_second();
  state.counters["GFLOP"] = flops / 1e9;
  state.counters["floor_s"] = floor_seconds;
  state.counters["floor_ratio"] =
      benchmark::Counter(floor_seconds, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  cv::setNumThreads(-1);
}
BENCHMARK(BM_ModelForward)
    ->Args({1024, 2})
    ->Args({1024, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2)
    ->UseRealTime();

// What a user waits for: model, resampling and full-resolution refinement (segment_subject minus cache).
void BM_SegmentSubject1024(benchmark::State& state) {
  cv::setNumThreads(2);
  const Image image = photo_1024();
  const auto model =
      easel::settings::segmenter_from_environment(easel::settings::model_paths_from_environment()).isnet_file();
  for (auto _ : state) {
    const cv::Mat probability = easel::isnet_subject_probability(image, model);
    benchmark::DoNotOptimize(easel::refine_subject_alpha(probability, image));
  }
}
BENCHMARK(BM_SegmentSubject1024)->Unit(benchmark::kMillisecond)->Iterations(2)->UseRealTime();

void BM_Refinement1024(benchmark::State& state) {
  cv::setNumThreads(2);
  const Image image = photo_1024();
  cv::Mat probability(1024, 1024, CV_32F, cv::Scalar(0));
  cv::circle(probability, cv::Point(512, 512), 300, cv::Scalar(1), cv::FILLED, cv::LINE_AA);
  cv::GaussianBlur(probability, probability, cv::Size(), 2);
  for (auto _ : state) benchmark::DoNotOptimize(easel::refine_subject_alpha(probability, image));
}
BENCHMARK(BM_Refinement1024)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Fallback1024(benchmark::State& state) {
  cv::setNumThreads(2);
  const Image image = photo_1024();
  for (auto _ : state) benchmark::DoNotOptimize(easel::fallback_segmentation(image));
}
BENCHMARK(BM_Fallback1024)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
