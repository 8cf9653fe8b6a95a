/// The error tests throw on purpose; `id` tells throws apart. Shared by every suite of this target.
struct Boom: Error, Equatable {
    var id = 0
}
