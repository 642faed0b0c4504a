#pragma once
// Shared by the segmentation suite: the model's presence, exact ground truth, and scoped settings.
#include <cstdlib>
#include <optional>
#include <string>

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include "easel/image/image.hpp"

namespace easel::test {

// Fails the calling test (CI fetches the model with scripts/fetch-segmentation-model.sh) when the
// segmentation model is missing.
void require_segmentation_model();

// A subject with an exactly known mask pasted onto a real photograph.
struct Composite {
  std::string name;
  Image image;
  cv::Mat truth;  // CV_8U, 255 = subject
};
// The three composites the accuracy tests score: skimage's horse silhouette filled with the cat's fur on
// grass, the skimage logo disc on brick, the mirrored horse filled with the coffee photo on gravel.
const std::vector<Composite>& composites();

// Intersection over union of `alpha` ≥ 0.5 with `truth`.
double intersection_over_union(const cv::Mat& alpha, const cv::Mat& truth);

// Sets an environment variable for the lifetime of the object (nullopt: unsets it), then restores it.
class ScopedEnvironment {
 public:
  ScopedEnvironment(std::string name, const std::optional<std::string>& value);
  ~ScopedEnvironment();
  ScopedEnvironment(const ScopedEnvironment&) = delete;
  ScopedEnvironment& operator=(const ScopedEnvironment&) = delete;

 private:
  std::string name_;
  std::optional<std::string> previous_;
};

}  // namespace easel::test
