package io.stackl.tasks.broker.topology;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Registry-free serdes for topology tests: a 4-byte tag of the record's full name, then the Avro body. Like the real
 * serde it refuses bytes of another type or bytes that do not decode. The real wire format is tested on the real
 * registry (schemas' WireFormatTest, and the broker's real-broker tests).
 */
public final class PlainAvroSerdes implements RecordSerdes {

    @Override
    public <T extends SpecificRecord> Serializer<T> serializer(Class<T> type) {
        return (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                out.write(ByteBuffer.allocate(4).putInt(value.getSchema().getFullName().hashCode()).array());
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
                new SpecificDatumWriter<T>(value.getSchema()).write(value, encoder);
                encoder.flush();
                return out.toByteArray();
            } catch (IOException e) {
                throw new SerializationException(e);
            }
        };
    }

    @Override
    public <T extends SpecificRecord> Deserializer<T> deserializer(Class<T> type) {
        return (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                T empty = type.getDeclaredConstructor().newInstance();
                int tag = empty.getSchema().getFullName().hashCode();
                if (bytes.length < 4 || ByteBuffer.wrap(bytes).getInt() != tag) {
                    throw new SerializationException("not a " + type.getSimpleName());
                }
                BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(bytes, 4, bytes.length - 4, null);
                T value = new SpecificDatumReader<T>(type).read(null, decoder);
                if (!decoder.isEnd()) {
                    throw new SerializationException("trailing bytes after a " + type.getSimpleName());
                }
                return value;
            } catch (SerializationException e) {
                throw e;
            } catch (Exception e) {
                throw new SerializationException("cannot decode a " + type.getSimpleName() + ": " + e, e);
            }
        };
    }
}
