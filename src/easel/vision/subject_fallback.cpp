#include "easel/vision/subject_fallback.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include <opencv2/imgproc.hpp>
#include <opencv2/saliency.hpp>

namespace easel {
namespace {

// GrabCut's colour models start from k-means on OpenCV's thread RNG; a fixed seed makes the fallback
// (and its confidence) the same for the same pixels, whatever ran before on the thread.
constexpr std::uint64_t kGrabCutSeed = 0x5eed;

struct Seeds {
  cv::Mat labels;   // GrabCut labels: certain background frame, probable subject where salient
  cv::Mat salient;  // CV_8U 255 where the saliency seeds mark probable subject
  int frame = 0;    // the width of the certain-background frame
};

// Seeds for GrabCut from a saliency map: a thin frame is certainly background (product and portrait
// photos rarely touch every border), salient pixels near the centre are probably subject, the rest
// probably background.
Seeds grabcut_seeds(const cv::Mat& bgr) {
  cv::Ptr<cv::saliency::StaticSaliencyFineGrained> saliency = cv::saliency::StaticSaliencyFineGrained::create();
  cv::Mat salient;
  saliency->computeSaliency(bgr, salient);
  salient.convertTo(salient, CV_32F, 1.0 / 255);
  cv::GaussianBlur(salient, salient, cv::Size(), 0.02 * std::max(bgr.cols, bgr.rows));
  // A centre prior: photographers frame the subject; it breaks ties between salient clutter and subject.
  cv::Mat prior(bgr.size(), CV_32F);
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const double dx = (x + 0.5) / bgr.cols - 0.5, dy = (y + 0.5) / bgr.rows - 0.5;
      prior.at<float>(y, x) = static_cast<float>(std::exp(-(dx * dx + dy * dy) / (2 * 0.3 * 0.3)));
    }
  }
  cv::Mat score = salient.mul(prior);
  cv::normalize(score, score, 0, 255, cv::NORM_MINMAX);
  cv::Mat score8;
  score.convertTo(score8, CV_8U);
  Seeds seeds;
  cv::threshold(score8, seeds.salient, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
  seeds.labels = cv::Mat(bgr.size(), CV_8U, cv::Scalar(cv::GC_PR_BGD));
  seeds.labels.setTo(cv::GC_PR_FGD, seeds.salient);
  seeds.frame = std::max(2, std::min(bgr.cols, bgr.rows) / 40);
  const int frame = seeds.frame;
  seeds.labels.rowRange(0, frame).setTo(cv::GC_BGD);
  seeds.labels.rowRange(bgr.rows - frame, bgr.rows).setTo(cv::GC_BGD);
  seeds.labels.colRange(0, frame).setTo(cv::GC_BGD);
  seeds.labels.colRange(bgr.cols - frame, bgr.cols).setTo(cv::GC_BGD);
  return seeds;
}

// Keeps the connected parts of the foreground that are at least a tenth of the largest, and fills holes
// enclosed by them (GrabCut leaves speckles in textured backgrounds and holes in shiny subjects).
cv::Mat main_components(const cv::Mat& foreground) {
  cv::Mat labels, stats, centroids;
  const int count = cv::connectedComponentsWithStats(foreground, labels, stats, centroids, 8, CV_32S);
  int largest = 0;
  for (int i = 1; i < count; ++i) largest = std::max(largest, stats.at<int>(i, cv::CC_STAT_AREA));
  cv::Mat kept(foreground.size(), CV_8U, cv::Scalar(0));
  for (int i = 1; i < count; ++i) {
    if (stats.at<int>(i, cv::CC_STAT_AREA) * 10 >= largest) kept.setTo(255, labels == i);
  }
  std::vector<std::vector<cv::Point>> contours;
  cv::findContours(kept.clone(), contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
  cv::drawContours(kept, contours, -1, cv::Scalar(255), cv::FILLED);
  return kept;
}

// GrabCut from `labels` (or, when `rect` is not empty, from that rectangle), 5 iterations, with a fixed
// seed; returns its subject after main_components.
cv::Mat grabcut_subject(const cv::Mat& bgr, cv::Mat labels, const cv::Rect& rect = cv::Rect()) {
  cv::RNG& rng = cv::theRNG();
  const std::uint64_t saved = rng.state;
  rng.state = kGrabCutSeed;
  cv::Mat background_model, foreground_model;
  cv::grabCut(bgr, labels, rect, background_model, foreground_model, 5,
              rect.empty() ? cv::GC_INIT_WITH_MASK : cv::GC_INIT_WITH_RECT);
  rng.state = saved;
  return main_components((labels == cv::GC_FGD) | (labels == cv::GC_PR_FGD));
}

double intersection_over_union(const cv::Mat& a, const cv::Mat& b) {
  const double joined = cv::countNonZero(a | b);
  return joined > 0 ? cv::countNonZero(a & b) / joined : 0.0;
}

// How different the subject's colours are from the rest: the Bhattacharyya distance (0 = the same
// distribution, 1 = no overlap) of their CIELAB histograms, 8 bins per channel. GrabCut separates by
// colour, so where the two overlap its cut is arbitrary.
double colour_separation(const cv::Mat& bgr, const cv::Mat& subject) {
  if (cv::countNonZero(subject) == 0 || cv::countNonZero(~subject) == 0) return 0;
  cv::Mat lab;
  cv::cvtColor(bgr, lab, cv::COLOR_BGR2Lab);
  const int channels[] = {0, 1, 2};
  const int bins[] = {8, 8, 8};
  const float range[] = {0, 256};
  const float* ranges[] = {range, range, range};
  cv::Mat inside, outside;
  const cv::Mat rest = ~subject;
  cv::calcHist(&lab, 1, channels, subject, inside, 3, bins, ranges);
  cv::calcHist(&lab, 1, channels, rest, outside, 3, bins, ranges);
  cv::normalize(inside, inside, 1, 0, cv::NORM_L1);
  cv::normalize(outside, outside, 1, 0, cv::NORM_L1);
  return cv::compareHist(inside, outside, cv::HISTCMP_BHATTACHARYYA);
}

}  // namespace

FallbackSegmentation fallback_segmentation(const Image& image) {
  // GrabCut is quadratic-ish in practice; it runs on a copy of at most 400 px on the long side.
  const double scale = std::min(1.0, 400.0 / std::max(image.width(), image.height()));
  cv::Mat bgr;
  cv::cvtColor(image.to_rgba8().mat(), bgr, cv::COLOR_RGBA2BGR);
  cv::Mat small;
  cv::resize(bgr, small, cv::Size(), scale, scale, cv::INTER_AREA);
  const Seeds seeds = grabcut_seeds(small);
  const cv::Mat subject = grabcut_subject(small, seeds.labels);

  // The three checks (docs/segmentation.md). Each is 0..1; the confidence is the weakest.
  const cv::Rect inside_frame(seeds.frame, seeds.frame, small.cols - 2 * seeds.frame, small.rows - 2 * seeds.frame);
  const cv::Rect around_seeds = cv::boundingRect(seeds.salient) & inside_frame;
  const double restart_agreement =
      around_seeds.empty() ? 0.0 : intersection_over_union(subject, grabcut_subject(small, seeds.labels, around_seeds));
  cv::Mat free_labels = seeds.labels.clone();
  free_labels.setTo(cv::GC_PR_BGD, seeds.labels == cv::GC_BGD);
  const double edge_agreement = intersection_over_union(subject, grabcut_subject(small, free_labels));
  const double separation = colour_separation(small, subject);
  const std::array<std::pair<double, const char*>, 3> checks = {{
      {restart_agreement, "GrabCut started from a rectangle finds a different subject"},
      {edge_agreement, "the subject seems to run past the image's edges"},
      {separation, "subject and background have similar colours"},
  }};
  const auto weakest =
      *std::min_element(checks.begin(), checks.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  FallbackSegmentation result;
  subject.convertTo(result.probability, CV_32F, 1.0 / 255);
  cv::resize(result.probability, result.probability, cv::Size(image.width(), image.height()), 0, 0, cv::INTER_LINEAR);
  result.confidence = weakest.first;
  result.concern = weakest.second;
  return result;
}

}  // namespace easel
