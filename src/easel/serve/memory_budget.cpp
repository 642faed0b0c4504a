#include "easel/serve/memory_budget.hpp"

#include <malloc.h>

#include <chrono>

namespace easel::serve {
namespace {

// Peak growth of the server's resident memory per source pixel, measured on a 6320×6320 PNG
// (docs/server.md, "Memory"): 18 bytes for a tone or colour edit (decoded RGBA, the run's copy, float
// working images, the step cache), 80 for a crop to another aspect, 115 for a segmentation step. The
// estimate sits between, so a large source runs beside small edits but not beside another large one.
constexpr std::size_t kSourceBytesPerPixel = 64;
// A reference or mask is decoded and converted once; an output is encoded from RGBA.
constexpr std::size_t kSideInputBytesPerPixel = 8;
constexpr std::size_t kOutputBytesPerPixel = 8;
// Releasing less than this leaves trimming to a later, larger release.
constexpr std::size_t kTrimAfterBytes = 64ull << 20;

std::size_t pixels_of(const Upload& upload) {
  const ImageInfo info = probe_image(*upload.bytes);
  return static_cast<std::size_t>(info.width) * static_cast<std::size_t>(info.height);
}

}  // namespace

MemoryBudget::MemoryBudget(std::size_t bytes) : capacity_(bytes) {}

MemoryBudget::Reservation::~Reservation() {
  if (budget_ != nullptr) budget_->release(bytes_);
}

MemoryBudget::Reservation MemoryBudget::reserve(std::size_t bytes, const std::function<void()>& check) {
  std::unique_lock lock(mutex_);
  while (holders_ > 0 && used_ + bytes > capacity_) {
    released_.wait_for(lock, std::chrono::milliseconds(100));
    if (check) {
      lock.unlock();
      check();
      lock.lock();
    }
  }
  used_ += bytes;
  ++holders_;
  return Reservation(this, bytes);
}

void MemoryBudget::release(std::size_t bytes) {
  {
    std::lock_guard lock(mutex_);
    used_ -= bytes;
    --holders_;
  }
  released_.notify_all();
  if (bytes >= kTrimAfterBytes) return_free_memory();
}

std::size_t edit_memory_estimate(const EditRequest& request) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < request.images.size(); ++i) {
    bytes += pixels_of(request.images[i]) * (i == 0 ? kSourceBytesPerPixel : kSideInputBytesPerPixel);
  }
  if (request.mask) bytes += pixels_of(*request.mask) * kSideInputBytesPerPixel;
  const std::size_t output_pixels = request.size.automatic() ? pixels_of(request.images.front())
                                                             : static_cast<std::size_t>(request.size.width) *
                                                                   static_cast<std::size_t>(request.size.height);
  return bytes + output_pixels * kOutputBytesPerPixel * static_cast<std::size_t>(request.n);
}

void return_free_memory() { ::malloc_trim(0); }

}  // namespace easel::serve
