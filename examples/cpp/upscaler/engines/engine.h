#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct ImageData {
  int w = 0, h = 0;
  std::vector<uint8_t> pixels;
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual bool process(const ImageData& in, ImageData& out) = 0;
  virtual void cleanup() = 0;
};
