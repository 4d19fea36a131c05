// RingDeque: a double-ended queue in one circular array that keeps its
// capacity. std::deque frees a block whenever pop_front empties one and
// allocates a new one as push_back moves on, so a queue that merely
// flows (frames to the driver, segments in flight) allocates every few
// elements forever; this one allocates only when it grows past its
// largest size so far (capacity doubles). Bound the size where you use
// it: it never refuses an element.
//
// Elements must be default-constructible and movable; a removed slot is
// reset to T{} (so a PacketRef returns its buffer at once).
#pragma once

#include <cassert>
#include <cstddef>
#include <iterator>
#include <memory>
#include <utility>

namespace ws {

template <typename T>
class RingDeque {
  template <typename Q, typename V>
  class Iter {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = V*;
    using reference = V&;
    Iter() = default;
    Iter(Q* q, std::size_t i) : q_(q), i_(i) {}
    reference operator*() const { return (*q_)[i_]; }
    pointer operator->() const { return &(*q_)[i_]; }
    reference operator[](difference_type n) const { return (*q_)[i_ + static_cast<std::size_t>(n)]; }
    Iter& operator++() { ++i_; return *this; }
    Iter operator++(int) { Iter t = *this; ++i_; return t; }
    Iter& operator--() { --i_; return *this; }
    Iter operator--(int) { Iter t = *this; --i_; return t; }
    Iter& operator+=(difference_type n) { i_ += static_cast<std::size_t>(n); return *this; }
    Iter& operator-=(difference_type n) { i_ -= static_cast<std::size_t>(n); return *this; }
    Iter operator+(difference_type n) const { return Iter(q_, i_ + static_cast<std::size_t>(n)); }
    friend Iter operator+(difference_type n, Iter it) { return it + n; }
    Iter operator-(difference_type n) const { return Iter(q_, i_ - static_cast<std::size_t>(n)); }
    difference_type operator-(const Iter& o) const {
      return static_cast<difference_type>(i_) - static_cast<difference_type>(o.i_);
    }
    bool operator==(const Iter& o) const { return i_ == o.i_; }
    auto operator<=>(const Iter& o) const { return i_ <=> o.i_; }

   private:
    Q* q_ = nullptr;
    std::size_t i_ = 0;
  };

 public:
  using value_type = T;
  using iterator = Iter<RingDeque, T>;
  using const_iterator = Iter<const RingDeque, const T>;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  RingDeque() = default;
  RingDeque(RingDeque&& o) noexcept { swap(o); }
  RingDeque& operator=(RingDeque&& o) noexcept {
    RingDeque t(std::move(o));
    swap(t);
    return *this;
  }
  RingDeque(const RingDeque& o) { *this = o; }
  RingDeque& operator=(const RingDeque& o) {
    if (this == &o) return *this;
    clear();
    for (const T& v : o) push_back(v);
    return *this;
  }

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return cap_; }

  T& operator[](std::size_t i) { return slots_[(head_ + i) & (cap_ - 1)]; }
  const T& operator[](std::size_t i) const { return slots_[(head_ + i) & (cap_ - 1)]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }

  void push_back(T v) {
    if (size_ == cap_) grow();
    (*this)[size_] = std::move(v);
    ++size_;
  }
  void pop_front() {
    assert(size_ > 0);
    front() = T{};
    head_ = (head_ + 1) & (cap_ - 1);
    --size_;
  }
  void pop_back() {
    assert(size_ > 0);
    back() = T{};
    --size_;
  }
  // Inserts before position i (O(size - i)).
  void insert(std::size_t i, T v) {
    assert(i <= size_);
    push_back(std::move(v));
    for (std::size_t j = size_ - 1; j > i; --j) std::swap((*this)[j], (*this)[j - 1]);
  }
  // Empties the queue; the capacity stays.
  void clear() {
    while (size_ > 0) pop_back();
    head_ = 0;
  }

 private:
  void grow() {
    const std::size_t cap = cap_ == 0 ? 16 : cap_ * 2;
    std::unique_ptr<T[]> slots(new T[cap]);
    for (std::size_t i = 0; i < size_; ++i) slots[i] = std::move((*this)[i]);
    slots_ = std::move(slots);
    cap_ = cap;
    head_ = 0;
  }
  void swap(RingDeque& o) noexcept {
    std::swap(slots_, o.slots_);
    std::swap(cap_, o.cap_);
    std::swap(head_, o.head_);
    std::swap(size_, o.size_);
  }

  std::unique_ptr<T[]> slots_;
  std::size_t cap_ = 0;  // a power of two (or 0)
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace ws
